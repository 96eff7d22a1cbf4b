import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinedSchema, PROTOCOL_VERSION } from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { ROOM_TOKEN_ISSUER } from '../../src/startSignaling.ts';
import {
  attemptConnect,
  okData,
  request,
  roomKeyId,
  startTestSfu,
  TEST_IDENTITY,
  type SfuHarness,
} from '../support/harness.ts';
import { decodeToken, issueToken, startSignalingWithSecrets, type ExtraSignaling } from './support.ts';

/** A room-token signer holding one secret, as a signaling node configured with it would sign. */
function signerOf(secretHex: string): TokenService {
  const secret = Buffer.from(secretHex, 'hex');
  return new TokenService({
    keys: new KeyRing([{ kid: roomKeyId(secret), secret }]),
    issuer: ROOM_TOKEN_ISSUER,
  });
}

/**
 * Checklist 7: during a rotation (TOKEN_SECRET new, TOKEN_SECRETS_PREVIOUS
 * old) tokens of both keys verify and new ones are signed with the new key;
 * once the old secret is dropped from the configuration its tokens fail.
 */
describe('room-token key rotation', () => {
  const oldSecret = randomBytes(32).toString('hex');
  const newSecret = randomBytes(32).toString('hex');
  let sfu: SfuHarness;
  const started: ExtraSignaling[] = [];

  beforeAll(async () => {
    sfu = await startTestSfu();
  }, 30_000);

  afterAll(async () => {
    for (const signaling of started) {
      await signaling.close();
    }
    await sfu?.close();
  });

  async function start(secrets: { current: string; previous?: string[] }): Promise<ExtraSignaling> {
    const signaling = await startSignalingWithSecrets(sfu, secrets);
    started.push(signaling);
    return signaling;
  }

  /** A token of `signer` for a meeting of `node`, and the outcome of connecting with it. */
  async function tryToken(node: ExtraSignaling, signer: TokenService) {
    const meeting = await node.signaling.meetings.create('Rotation');
    const token = issueToken(signer, { room: meeting.id, name: 'Ada' });
    const outcome = await attemptConnect(node.baseUrl, {
      auth: { token: token.token, protocolVersion: PROTOCOL_VERSION },
    });
    return { token, outcome };
  }

  it('accepts a token of the previous secret during the overlap and refreshes it with the new key', async () => {
    const node = await start({ current: newSecret, previous: [oldSecret] });
    const { token, outcome } = await tryToken(node, signerOf(oldSecret));
    expect(outcome.kind).toBe('connected');
    const joined = joinedSchema.parse(
      okData(await request(outcome.socket, 'join', { identity: TEST_IDENTITY })),
    );
    expect(joined.self.memberId).toBe(token.memberId);

    const refreshed = okData(await request(outcome.socket, 'refreshToken', {}));
    expect(decodeToken(token.token).kid).toBe(roomKeyId(Buffer.from(oldSecret, 'hex')));
    expect(decodeToken(refreshed.token).kid).toBe(roomKeyId(Buffer.from(newSecret, 'hex')));
    outcome.socket.close();
  });

  it('accepts a token of the new secret during the overlap', async () => {
    const node = await start({ current: newSecret, previous: [oldSecret] });
    const { outcome } = await tryToken(node, signerOf(newSecret));
    expect(outcome.kind).toBe('connected');
    outcome.socket.close();
  });

  it('refuses a token of the retired secret once it is no longer configured, and still accepts the new one', async () => {
    const node = await start({ current: newSecret });
    const retired = await tryToken(node, signerOf(oldSecret));
    expect(retired.outcome.kind).toBe('refused');
    if (retired.outcome.kind === 'refused') {
      expect(retired.outcome.message).toBe('unauthorized');
    }
    const current = await tryToken(node, signerOf(newSecret));
    expect(current.outcome.kind).toBe('connected');
    current.outcome.socket.close();
  });

  it('refuses a token signed with the previous secret under the new key id (the kid names the key that verifies)', async () => {
    const node = await start({ current: newSecret, previous: [oldSecret] });
    const forged = new TokenService({
      keys: new KeyRing([
        { kid: roomKeyId(Buffer.from(newSecret, 'hex')), secret: Buffer.from(oldSecret, 'hex') },
      ]),
      issuer: ROOM_TOKEN_ISSUER,
    });
    const { outcome } = await tryToken(node, forged);
    expect(outcome.kind).toBe('refused');
  });
});
