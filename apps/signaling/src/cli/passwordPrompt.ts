/**
 * The new account's password for the admin CLI: typed at a terminal without echo (asked twice),
 * or the first line of a pipe (`printf '%s\n' "$PW" | ... create-account ...`).
 */
import type { Readable, Writable } from 'node:stream';
import { UsageError } from './UsageError.ts';

/** A password line longer than this is not a password. */
const MAX_PASSWORD_LINE_BYTES = 1024;

export type PasswordInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const DELETE = 0x7f;

export async function readPassword(stdin: PasswordInput, prompt: Writable): Promise<string> {
  if (!stdin.isTTY) {
    return readPasswordLine(stdin);
  }
  const [first, second] = await readHiddenLines(stdin, prompt, [
    'Password of the new account (12 characters or more, not shown): ',
    'The same password again, to confirm: ',
  ]);
  if (!first) {
    throw new UsageError('no password typed; run the command again and type one (12 characters or more)');
  }
  if (first !== second) {
    throw new UsageError('the two passwords differ; run the command again');
  }
  return first;
}

/**
 * One line per question, typed at the terminal in raw mode so nothing is echoed; Ctrl-C
 * cancels. One raw session for all the questions: keys typed ahead are kept for the next one.
 */
function readHiddenLines(
  stdin: PasswordInput,
  prompt: Writable,
  questions: readonly string[],
): Promise<string[]> {
  const answers: string[] = [];
  let typed: number[] = [];
  // Raw mode before the question: what is typed once it shows is never echoed.
  stdin.setRawMode?.(true);
  stdin.resume();
  prompt.write(questions[0] ?? '');
  return new Promise<string[]>((resolve, reject) => {
    const finish = (outcome: () => void): void => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      outcome();
    };
    const onData = (chunk: Buffer | string): void => {
      for (const byte of Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)) {
        if (byte === CTRL_C) {
          prompt.write('\n');
          finish(() => reject(new UsageError('cancelled; no account was created')));
          return;
        }
        if (byte === 0x0d || byte === 0x0a || byte === CTRL_D) {
          prompt.write('\n');
          answers.push(Buffer.from(typed).toString('utf8'));
          typed = [];
          if (answers.length === questions.length) {
            finish(() => resolve(answers));
            return;
          }
          prompt.write(questions[answers.length] ?? '');
        } else if (byte === BACKSPACE || byte === DELETE) {
          dropLastCharacter(typed);
        } else if (typed.length < MAX_PASSWORD_LINE_BYTES) {
          typed.push(byte);
        }
      }
    };
    stdin.on('data', onData);
  });
}

/** Removes the last UTF-8 character (its continuation bytes 10xxxxxx and its lead byte). */
function dropLastCharacter(typed: number[]): void {
  while (typed.length > 0 && ((typed.at(-1) ?? 0) & 0xc0) === 0x80) {
    typed.pop();
  }
  typed.pop();
}

/** The first line of a pipe, without its line ending. */
async function readPasswordLine(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    size += buffer.length;
    if (buffer.includes(0x0a) || size > MAX_PASSWORD_LINE_BYTES) {
      break;
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const newline = text.indexOf('\n');
  if (newline < 0 && size > MAX_PASSWORD_LINE_BYTES) {
    throw new UsageError('the password line is too long (at most 256 characters)');
  }
  const line = (newline < 0 ? text : text.slice(0, newline)).replace(/\r$/, '');
  if (line.length === 0) {
    throw new UsageError(
      'no password on stdin: type it at the terminal, or pipe one line in, e.g. ' +
        `read -rs PW && printf '%s\\n' "$PW" | bash scripts/admin.sh create-account ...`,
    );
  }
  return line;
}
