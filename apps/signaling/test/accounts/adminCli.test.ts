import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { enrolmentStartResponseSchema, sessionResponseSchema } from '@confidentiel/protocol';
import { INVITATION_TTL_MS } from '../../src/accounts/AccountService.ts';
import { runAdmin } from '../../src/cli/admin.ts';
import { Database } from '../../src/storage/Database.ts';
import { FakeClock, PASSWORD, startAccountsHarness, totpCode, type AccountsHarness } from './support.ts';

const SCRIPT = resolve(import.meta.dirname, '../../src/cli/admin.ts');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin CLI as an operator would: its own process, the password on stdin. */
function runCli(args: string[], env: { DATABASE_PATH: string }, stdin = ''): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const PROMPTS = ['Password of the new account', 'The same password again'];

/**
 * Runs the admin CLI at a real terminal (util-linux `script` gives it a pseudo-terminal), typing
 * each answer once its question is on the screen, as a person would. Bounded to 30 s.
 */
function runInTerminal(
  args: string[],
  env: { DATABASE_PATH: string },
  answers: string[],
): Promise<CliResult> {
  const command = [process.execPath, SCRIPT, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolvePromise, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let answered = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      screen += chunk;
      const question = PROMPTS[answered];
      if (question !== undefined && answered < answers.length && screen.includes(question)) {
        child.stdin.write(`${answers[answered]}\r`);
        answered += 1;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolvePromise({ code, stdout: screen, stderr: '' });
    });
  });
}

/** runAdmin in this process, with stdin and outputs in memory. */
async function runInProcess(args: string[], env: { DATABASE_PATH: string }, stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString('utf8'));
        callback();
      },
    });
  const code = await runAdmin(args, {
    env,
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
  });
  return { code, stdout, stderr };
}

const createdSchema = z.strictObject({
  accountId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  email: z.string(),
  totpSecret: z.string().regex(/^[A-Z2-7]{32}$/),
  otpauthUri: z.string().startsWith('otpauth://totp/'),
  recoveryCodes: z.array(z.string().regex(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/)).length(10),
});

describe('admin CLI (node apps/signaling/src/cli/admin.ts)', () => {
  let dir: string;
  let env: { DATABASE_PATH: string };
  let h: AccountsHarness | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accounts-cli-'));
    env = { DATABASE_PATH: join(dir, 'data', 'signaling.sqlite') };
  });

  afterEach(async () => {
    await h?.close();
    h = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** The service on the database the CLI wrote, on a clock near real time (the CLI's). */
  async function serve(): Promise<AccountsHarness> {
    h = await startAccountsHarness({ db: new Database(env.DATABASE_PATH), now: new FakeClock(Date.now()) });
    return h;
  }

  it('create-account prints a secret and recovery codes that sign in', async () => {
    const result = await runCli(
      ['create-account', '--email', 'Chair@Example.org', '--name', 'La Présidente', '--role', 'admin'],
      env,
      `${PASSWORD}\n`,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const created = createdSchema.parse(JSON.parse(result.stdout));
    expect(created.email).toBe('chair@example.org');
    expect(created.otpauthUri).toContain(`secret=${created.totpSecret}`);

    const service = await serve();
    const signedIn = await service.signIn({ email: 'chair@example.org', totpSecret: created.totpSecret });
    expect(signedIn.session.account).toEqual({
      accountId: created.accountId,
      email: 'chair@example.org',
      displayName: 'La Présidente',
      role: 'admin',
    });
    const viaRecovery = await service.post('/api/auth/one-time-code', {
      challenge: await service.login('chair@example.org'),
      code: created.recoveryCodes[9],
    });
    expect(viaRecovery.status).toBe(200);
    expect(sessionResponseSchema.parse(await viaRecovery.json()).recoveryCodesLeft).toBe(9);
    // The CLI hashed the password at full cost.
    const stored = service.db.sqlite.prepare('SELECT password_hash FROM accounts').get() as {
      password_hash: string;
    };
    expect(stored.password_hash).toMatch(/^scrypt\$17\$8\$1\$/);
  });

  it('exits 2 with a clear message on bad arguments, and creates nothing', async () => {
    const cases: Array<[string[], RegExp, string?]> = [
      [[], /missing command/],
      [['make-coffee'], /unknown command "make-coffee"/],
      [['create-account', '--email', 'a@example.org'], /create-account needs --name/],
      [['invite-account', '--name', 'A'], /invite-account needs --email/],
      [
        ['create-account', '--email', 'a@example.org', '--name', 'A', '--role', 'root'],
        /--role must be one of: admin, organiser/,
      ],
      [['list-accounts', '--email', 'a@example.org'], /list-accounts takes no --email/],
      [['disable-account', '--email', 'a@example.org', '--force'], /Unknown option '--force'/],
      [
        ['create-account', '--email', 'a@example.org', '--name', 'A'],
        /^the password is too short: use at least 12 characters/,
        'short\n',
      ],
      [['create-account', '--email', 'a@example.org', '--name', 'A'], /no password on stdin/, ''],
      [
        ['create-account', '--email', 'not-an-email', '--name', 'A'],
        /^the email address \(--email\) is not valid: give the organiser's address/,
        `${PASSWORD}\n`,
      ],
      [
        ['invite-account', '--email', 'a@example.org', '--name', ''],
        /^the name \(--name\) must contain a visible character/,
      ],
      [['invite-account', '--email', 'nobody', '--name', 'A'], /^the email address \(--email\)/],
    ];
    // In process (the same runAdmin the script runs), to spare a process start per case…
    for (const [args, message, stdin] of cases) {
      const result = await runInProcess(args, env, stdin);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout, args.join(' ')).toBe('');
    }
    // …and once as a process, for the real exit code.
    const spawned = await runCli(['create-account', '--email', 'a@example.org'], env);
    expect(spawned.code).toBe(2);
    expect(spawned.stderr).toMatch(/^create-account needs --name\n\nusage: /);
    const list = await runCli(['list-accounts'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('asks the password at a terminal twice without showing it; two different answers create nothing', async () => {
    const typed = 'un mot de passe tapé au clavier';
    const differing = await runInTerminal(
      ['create-account', '--email', 'a@example.org', '--name', 'Me Durand'],
      env,
      [typed, `${typed}!`],
    );
    expect(differing.stdout).toContain(PROMPTS[1]);
    expect(differing.stdout).toContain('the two passwords differ');
    expect(differing.code).toBe(2);
    expect(differing.stdout).not.toContain(typed);

    const created = await runInTerminal(
      ['create-account', '--email', 'a@example.org', '--name', 'Me Durand'],
      env,
      [typed, typed],
    );
    expect(created.code, created.stdout).toBe(0);
    expect(created.stdout).toContain(PROMPTS[0]);
    expect(created.stdout).not.toContain(typed);
    const printed = createdSchema.parse(JSON.parse(created.stdout.slice(created.stdout.indexOf('{'))));
    expect(printed.email).toBe('a@example.org');
    // The password typed at the terminal (accents and spaces included) is the account's: it signs in.
    const service = await serve();
    const signedIn = await service.signIn({ email: 'a@example.org', totpSecret: printed.totpSecret }, typed);
    expect(signedIn.session.account.email).toBe('a@example.org');
  });

  it('invite-account prints an enrolment link that works', async () => {
    const before = Date.now();
    const result = await runCli(
      ['invite-account', '--email', 'clerk@example.org', '--name', 'Greffier'],
      env,
    );
    expect(result.code).toBe(0);
    const { enrolPath, expiresAt } = z
      .strictObject({ enrolPath: z.string(), expiresAt: z.number() })
      .parse(JSON.parse(result.stdout));
    expect(enrolPath).toMatch(/^\/inscription#t=[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBeGreaterThanOrEqual(before + INVITATION_TTL_MS);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + INVITATION_TTL_MS);

    const service = await serve();
    const started = await service.post('/api/enrolment/start', { token: enrolPath.split('#t=')[1] });
    expect(started.status).toBe(200);
    expect(enrolmentStartResponseSchema.parse(await started.json())).toMatchObject({
      email: 'clerk@example.org',
      displayName: 'Greffier',
    });
  });

  it('lists, disables, enables and resets the authenticator of an account; refuses a taken email', async () => {
    const created = createdSchema.parse(
      JSON.parse(
        (
          await runCli(
            ['create-account', '--email', 'ada@example.org', '--name', 'Ada'],
            env,
            `${PASSWORD}\r\n`,
          )
        ).stdout,
      ),
    );
    const duplicate = await runCli(
      ['create-account', '--email', 'ada@example.org', '--name', 'Ada'],
      env,
      `${PASSWORD}\n`,
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/refused \(conflict\): an account with this email exists/);

    const list = await runCli(['list-accounts'], env);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        accountId: created.accountId,
        email: 'ada@example.org',
        role: 'organiser',
        disabled: false,
      }),
    ]);

    expect((await runCli(['disable-account', '--email', 'ada@example.org'], env)).code).toBe(0);
    let service = await serve();
    const refused = await service.post('/api/auth/login', { email: 'ada@example.org', password: PASSWORD });
    expect(refused.status).toBe(401);
    await service.close();
    h = undefined;

    expect((await runCli(['enable-account', '--email', 'ada@example.org'], env)).code).toBe(0);
    const reset = await runCli(['reset-totp', '--email', 'ada@example.org'], env);
    expect(reset.code).toBe(0);
    const renewed = createdSchema.parse(JSON.parse(reset.stdout));
    expect(renewed.totpSecret).not.toBe(created.totpSecret);

    service = await serve();
    const oldCode = await service.post('/api/auth/one-time-code', {
      challenge: await service.login('ada@example.org'),
      code: totpCode(created.totpSecret, service.clock.now()),
    });
    expect(oldCode.status).toBe(401);
    const oldRecovery = await service.post('/api/auth/one-time-code', {
      challenge: await service.login('ada@example.org'),
      code: created.recoveryCodes[0],
    });
    expect(oldRecovery.status).toBe(401);
    const signedIn = await service.signIn({ email: 'ada@example.org', totpSecret: renewed.totpSecret });
    expect(signedIn.session.account.accountId).toBe(created.accountId);

    const unknown = await runCli(['reset-totp', '--email', 'nobody@example.org'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/refused \(not-found\): no such account/);
  });
});
