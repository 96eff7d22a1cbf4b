/**
 * The browser tests' negative control, in test builds only (VITE_TEST_HOOKS=true, see
 * e2eeWorker.ts): a random key, made in the worker, replaces a member's keys for its newest
 * epoch, so that member's frames then fail with `bad-tag`. The production bundle leaves this
 * module out (the bundler folds the flag away); its worker has no way to install a wrong key.
 */
import type { FromWorker } from './protocol.ts';
import type { ReceiverKeys } from './ReceiverKeys.ts';

export const WRONG_KEY_REQUEST = 'installWrongKeyForTest';

export interface WrongKeyRequest {
  readonly type: typeof WRONG_KEY_REQUEST;
  readonly memberId: string;
  readonly requestId: number;
}

export function isWrongKeyRequest(message: unknown): message is WrongKeyRequest {
  if (typeof message !== 'object' || message === null) {
    return false;
  }
  const record = message as Record<string, unknown>;
  return (
    record.type === WRONG_KEY_REQUEST &&
    typeof record.memberId === 'string' &&
    typeof record.requestId === 'number'
  );
}

/** Replaces the member's keys by a random key for its newest epoch; false when it has none. */
export async function installWrongKey(
  keys: ReceiverKeys,
  memberId: string,
  random: (bytes: Uint8Array<ArrayBuffer>) => void,
): Promise<boolean> {
  const current = keys.get(memberId);
  const epoch = current?.newestEpoch ?? null;
  if (current === undefined || epoch === null) {
    return false;
  }
  const senderIndex = current.senderIndex;
  keys.remove(memberId);
  const wrong = new Uint8Array(16);
  random(wrong);
  await keys.install(memberId, senderIndex, epoch, wrong);
  wrong.fill(0);
  return true;
}

/** Answers a wrong-key request as the worker answers any request (`done`, ok or not). */
export function answerWrongKeyRequest(
  keys: ReceiverKeys,
  request: WrongKeyRequest,
  post: (message: FromWorker) => void,
  random: (bytes: Uint8Array<ArrayBuffer>) => void = (bytes) => crypto.getRandomValues(bytes),
): Promise<void> {
  const answer = (ok: boolean): void =>
    post({ type: 'response', requestId: request.requestId, result: { type: 'done', ok } });
  return installWrongKey(keys, request.memberId, random).then(answer, () => answer(false));
}
