import { describe, expect, it } from 'vitest';
import { CHAT_KEY_HISTORY, ChatKeyRing } from '../../src/distribution/ChatKeyRing.ts';
import { createLocalIdentity, type LocalIdentity } from '../../src/distribution/LocalIdentity.ts';

const random = (n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n));
const senderKey = (epoch: number): Uint8Array => new Uint8Array(16).fill(epoch + 1);

async function sealed(
  ring: ChatKeyRing,
  identity: LocalIdentity,
  epoch: number,
  text: string,
): Promise<string> {
  const message = await ring.seal({
    from: 'alice',
    epoch,
    signingKey: identity.sign.privateKey,
    random,
    text,
  });
  expect(message, `alice holds a chat key of epoch ${epoch}`).toBeDefined();
  return message!;
}

describe('ChatKeyRing', () => {
  it('opens what was sealed under the same epoch, verified with the sender key given', async () => {
    const alice = await createLocalIdentity();
    const [mine, theirs] = [new ChatKeyRing(), new ChatKeyRing()];
    await mine.add('alice', 0, senderKey(0));
    await theirs.add('alice', 0, senderKey(0));
    const message = await sealed(mine, alice, 0, 'Séance ouverte');
    expect(await theirs.open('alice', message, () => alice.sign.publicKey)).toEqual({
      ok: true,
      text: 'Séance ouverte',
    });
    const other = await createLocalIdentity();
    expect(await theirs.open('alice', message, () => other.sign.publicKey)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(await theirs.open('alice', message, () => 'bad-link-mac')).toEqual({
      ok: false,
      reason: 'bad-link-mac',
    });
    expect(await theirs.open('alice', 'not a chat message', () => alice.sign.publicKey)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it(`keeps the newest ${CHAT_KEY_HISTORY} epochs per member`, async () => {
    const alice = await createLocalIdentity();
    const [mine, theirs] = [new ChatKeyRing(), new ChatKeyRing()];
    await mine.add('alice', 0, senderKey(0));
    const oldest = await sealed(mine, alice, 0, 'ancien');
    for (let epoch = 0; epoch <= CHAT_KEY_HISTORY; epoch++) {
      await theirs.add('alice', epoch, senderKey(epoch));
    }
    expect(theirs.has('alice', 0)).toBe(false);
    expect(theirs.has('alice', 1)).toBe(true);
    expect(theirs.has('alice', CHAT_KEY_HISTORY)).toBe(true);
    expect(await theirs.open('alice', oldest, () => alice.sign.publicKey)).toEqual({
      ok: false,
      reason: 'unknown-epoch',
    });
  });

  it('seals nothing without the key; forgets a member; keeps nothing once closed', async () => {
    const alice = await createLocalIdentity();
    const ring = new ChatKeyRing();
    expect(
      await ring.seal({ from: 'alice', epoch: 0, signingKey: alice.sign.privateKey, random, text: 'x' }),
    ).toBeUndefined();
    await ring.add('alice', 0, senderKey(0));
    ring.forget('alice');
    expect(ring.has('alice', 0)).toBe(false);
    ring.close();
    ring.close();
    await ring.add('alice', 1, senderKey(1));
    expect(ring.has('alice', 1)).toBe(false);
  });
});
