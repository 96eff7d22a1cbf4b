/**
 * Administration of organiser accounts, on the signaling database (the SQLite
 * file, or PostgreSQL when DATABASE_URL is set), and the move from one to the other:
 *
 *   node apps/signaling/src/cli/admin.ts <command> [options]
 *
 * Prints JSON on stdout (secrets included: run it where nobody looks over
 * your shoulder), messages on stderr. Exit code 2 for bad arguments, 1 when
 * the operation is refused (e.g. the email is taken), 0 otherwise.
 */
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { accountInvitationRequestSchema, accountRoleSchema } from '@confidentiel/protocol';
import { AccountError } from '../accounts/AccountError.ts';
import { enrolPath } from '../accounts/accountRoutes.ts';
import { AccountService, newAccountSchema } from '../accounts/AccountService.ts';
import type { AccountStore } from '../accounts/AccountStore.ts';
import { SqliteAccountStore } from '../accounts/SqliteAccountStore.ts';
import { createStores } from '../storage/createStores.ts';
import { Database } from '../storage/Database.ts';
import { MigrationError, migrateToPostgres } from '../storage/migrateToPostgres.ts';
import { PostgresDatabase } from '../storage/PostgresDatabase.ts';
import { isPostgresUrl, redactedUrl } from '../storage/postgresUrl.ts';
import { accountInputSentence } from './inputSentences.ts';
import { readPassword, type PasswordInput } from './passwordPrompt.ts';
import { UsageError } from './UsageError.ts';

export const DEFAULT_DATABASE_PATH = 'data/confidentiel.sqlite';

const USAGE = `usage: node apps/signaling/src/cli/admin.ts <command> [options]

commands:
  create-account --email E --name N [--role admin|organiser]
      creates an account; asks its password at the terminal (not shown, twice),
      or reads one line from a pipe, e.g.
        read -rs PW && printf '%s\\n' "$PW" | node apps/signaling/src/cli/admin.ts create-account ...
      prints {accountId, email, totpSecret, otpauthUri, recoveryCodes}
  invite-account --email E --name N [--role admin|organiser]
      prints {enrolPath, expiresAt}: the link (72 h, single use) to send the invitee
  list-accounts
  disable-account --email E     ends the account's sessions; it can no longer sign in
  enable-account --email E
  reset-totp --email E          new authenticator secret and recovery codes (lost phone)
  migrate-to-postgres [--database-url URL]
      copies every table of the SQLite file (DATABASE_PATH) into an empty
      PostgreSQL database (--database-url, default DATABASE_URL), in one
      transaction; stop signaling first. Prints the rows copied per table.

environment:
  DATABASE_PATH   the SQLite file (default ${DEFAULT_DATABASE_PATH})
  DATABASE_URL    postgres://user:password@host:5432/database: the account
                  commands work on PostgreSQL instead of the SQLite file
`;

/** Which options each command takes, and which of them it needs. */
const COMMANDS: Record<string, { required: readonly Option[]; optional: readonly Option[] }> = {
  'create-account': { required: ['email', 'name'], optional: ['role'] },
  'invite-account': { required: ['email', 'name'], optional: ['role'] },
  'list-accounts': { required: [], optional: [] },
  'disable-account': { required: ['email'], optional: [] },
  'enable-account': { required: ['email'], optional: [] },
  'reset-totp': { required: ['email'], optional: [] },
  'migrate-to-postgres': { required: [], optional: ['database-url'] },
};
type Option = 'email' | 'name' | 'role' | 'database-url';
const OPTIONS: readonly Option[] = ['email', 'name', 'role', 'database-url'];

export interface AdminIo {
  env: NodeJS.ProcessEnv;
  stdin: PasswordInput;
  stdout: Writable;
  stderr: Writable;
}

/** Runs one command; resolves to the exit code. */
export async function runAdmin(args: readonly string[], io: AdminIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(args);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  let storage: { store: AccountStore; close: () => Promise<void> } | undefined;
  try {
    if (parsed.name === 'migrate-to-postgres') {
      const result = await migrate(parsed, io);
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    }
    storage = await openAccountStore(io.env);
    const logger = pino({ name: 'admin', level: 'warn' }, pino.destination({ dest: 2, sync: true }));
    const accounts = new AccountService({ store: storage.store, logger });
    const result = await execute(accounts, parsed, io);
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof AccountError && error.reason === 'invalid-payload')
    ) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof AccountError) {
      io.stderr.write(`refused (${error.reason}): ${error.message}\n`);
      return 1;
    }
    if (error instanceof MigrationError) {
      io.stderr.write(`refused: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await storage?.close();
  }
}

/** The SQLite file as before, or PostgreSQL when DATABASE_URL is set. */
async function openAccountStore(
  env: NodeJS.ProcessEnv,
): Promise<{ store: AccountStore; close: () => Promise<void> }> {
  const url = env.DATABASE_URL || undefined;
  if (url !== undefined) {
    if (!isPostgresUrl(url)) {
      throw new UsageError('DATABASE_URL must be a postgres:// URL naming a host and a database');
    }
    const stores = await createStores({ DATABASE_URL: url, databasePath: '' });
    return { store: stores.accounts, close: () => stores.close() };
  }
  const db = new Database(env.DATABASE_PATH || DEFAULT_DATABASE_PATH);
  return {
    store: new SqliteAccountStore(db),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

/** migrate-to-postgres: the SQLite file (which must exist) into the PostgreSQL database. */
async function migrate(command: Command, io: AdminIo): Promise<unknown> {
  const path = io.env.DATABASE_PATH || DEFAULT_DATABASE_PATH;
  const url = command.databaseUrl ?? (io.env.DATABASE_URL || undefined);
  if (url === undefined) {
    throw new UsageError('migrate-to-postgres needs --database-url (or DATABASE_URL)');
  }
  if (!isPostgresUrl(url)) {
    throw new UsageError('--database-url must be a postgres:// URL naming a host and a database');
  }
  if (path === ':memory:' || !existsSync(path)) {
    throw new UsageError(`no SQLite file at ${path} (set DATABASE_PATH)`);
  }
  const source = new Database(path);
  const target = new PostgresDatabase({ url });
  try {
    const copied = await migrateToPostgres(source, target);
    io.stderr.write(
      `copied ${path} into ${redactedUrl(url)}; now set DATABASE_URL (and unset DATABASE_PATH) for signaling\n`,
    );
    return { from: path, to: redactedUrl(url), copied };
  } finally {
    source.close();
    await target.close();
  }
}

interface Command {
  name: string;
  email: string;
  displayName: string;
  role: string | undefined;
  databaseUrl: string | undefined;
}

function parseCommand(args: readonly string[]): Command | 'help' {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] === 'help') {
    return 'help';
  }
  const [name, ...extra] = positionals;
  if (name === undefined) {
    throw new UsageError('missing command');
  }
  const spec = COMMANDS[name];
  if (!spec) {
    throw new UsageError(`unknown command "${name}"`);
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"`);
  }
  for (const option of OPTIONS) {
    const given = values[option] !== undefined;
    if (given && !spec.required.includes(option) && !spec.optional.includes(option)) {
      throw new UsageError(`${name} takes no --${option}`);
    }
    if (!given && spec.required.includes(option)) {
      throw new UsageError(`${name} needs --${option}`);
    }
  }
  if (values.role !== undefined && !accountRoleSchema.safeParse(values.role).success) {
    throw new UsageError(`--role must be one of: ${accountRoleSchema.options.join(', ')}`);
  }
  return {
    name,
    email: values.email ?? '',
    displayName: values.name ?? '',
    role: values.role,
    databaseUrl: values['database-url'],
  };
}

async function execute(accounts: AccountService, command: Command, io: AdminIo): Promise<unknown> {
  const role = accountRoleSchema.parse(command.role ?? 'organiser');
  switch (command.name) {
    case 'create-account': {
      const fields = { email: command.email, displayName: command.displayName, role };
      // The address and the name first: nobody types a password for an account that cannot be made.
      const given = newAccountSchema.omit({ password: true }).safeParse(fields);
      if (!given.success) {
        throw new UsageError(accountInputSentence(given.error));
      }
      const password = await readPassword(io.stdin, io.stderr);
      const complete = newAccountSchema.safeParse({ ...fields, password });
      if (!complete.success) {
        throw new UsageError(accountInputSentence(complete.error));
      }
      const created = await accounts.createAccount(complete.data);
      return {
        accountId: created.account.accountId,
        email: created.account.email,
        totpSecret: created.totpSecret,
        otpauthUri: created.otpauthUri,
        recoveryCodes: created.recoveryCodes,
      };
    }
    case 'invite-account': {
      const invitation = accountInvitationRequestSchema.safeParse({
        email: command.email,
        displayName: command.displayName,
        role,
      });
      if (!invitation.success) {
        throw new UsageError(accountInputSentence(invitation.error));
      }
      const { token, expiresAt } = await accounts.invite(invitation.data, undefined);
      return { enrolPath: enrolPath(token), expiresAt };
    }
    case 'list-accounts':
      return accounts.listAccounts();
    case 'disable-account':
    case 'enable-account': {
      const disabled = command.name === 'disable-account';
      const account = await accounts.setDisabled(command.email, disabled);
      return { accountId: account.accountId, email: account.email, disabled };
    }
    case 'reset-totp': {
      const reset = await accounts.resetSecondFactor(command.email);
      return {
        accountId: reset.account.accountId,
        email: reset.account.email,
        totpSecret: reset.totpSecret,
        otpauthUri: reset.otpauthUri,
        recoveryCodes: reset.recoveryCodes,
      };
    }
    default:
      throw new UsageError(`unknown command "${command.name}"`);
  }
}

if (import.meta.main) {
  process.exitCode = await runAdmin(process.argv.slice(2), {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}
