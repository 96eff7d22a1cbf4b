import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CHAT_CIPHERTEXT_CHARS } from '@confidentiel/protocol';
import { fromBase64url, toBase64url } from '../../src/distribution/base64url.ts';
import { MAX_CHAT_TEXT_LENGTH } from '../../src/index.ts';
import { Relay, join, leave, makeMember, type Member, closedAfterEach } from './harness.ts';

const everyone = closedAfterEach();

async function room(relay: Relay, names: string[]): Promise<Member[]> {
  const members: Member[] = [];
  for (const name of names) {
    const m = await makeMember(relay, { name });
    everyone.push(m);
    await join(relay, m, members);
    members.push(m);
  }
  return members;
}

describe('KeyManager: chat', () => {
  it('round-trips a message to every member, and to its sender', async () => {
    const relay = new Relay();
    const [a, b, c] = (await room(relay, ['a', 'b', 'c'])) as [Member, Member, Member];
    const text = 'Bonjour à tous 👋 — 会议开始';
    const sealed = await a.manager.sealChat(text);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    for (const m of [a, b, c]) {
      expect(await m.manager.openChat(a.info.memberId, sealed)).toEqual({ ok: true, text });
    }
  });

  it('fits 4000 characters of any script within MAX_CHAT_CIPHERTEXT_CHARS, refuses more', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    for (const unit of ['x', 'é', '会', '😀'.slice(0, 1) + '😀'.slice(1)]) {
      const text = unit.repeat(MAX_CHAT_TEXT_LENGTH / unit.length);
      const sealed = await a.manager.sealChat(text);
      expect(sealed.length).toBeLessThanOrEqual(MAX_CHAT_CIPHERTEXT_CHARS);
      expect(await b.manager.openChat(a.info.memberId, sealed)).toEqual({ ok: true, text });
    }
    await expect(a.manager.sealChat('x'.repeat(MAX_CHAT_TEXT_LENGTH + 1))).rejects.toThrow(TypeError);
  });

  it('refuses a tampered message (ok: false) and reports it', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    const sealed = fromBase64url(await a.manager.sealChat('pay 10 €'))!;
    for (const index of [1, 5, 15, 30, sealed.length - 1]) {
      const tampered = Uint8Array.from(sealed);
      tampered[index] = tampered[index]! ^ 0x04;
      const result = await b.manager.openChat(a.info.memberId, toBase64url(tampered));
      expect(result.ok).toBe(false);
    }
    // Signed by a, claimed to be from b's own... from another member: refused too.
    const c = await makeMember(relay, { name: 'c' });
    everyone.push(c);
    await join(relay, c, [a, b]);
    const fromA = await a.manager.sealChat('from a');
    expect(await b.manager.openChat(c.info.memberId, fromA)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(b.rejected.length).toBeGreaterThan(0);
  });

  it('a late joiner cannot open messages sealed before it joined, but opens the ones after', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    const before = await a.manager.sealChat('before c');
    const c = await makeMember(relay, { name: 'c' });
    everyone.push(c);
    await join(relay, c, [a, b]);
    expect(await c.manager.openChat(a.info.memberId, before)).toEqual({ ok: false, reason: 'unknown-epoch' });
    expect(await b.manager.openChat(a.info.memberId, before)).toEqual({ ok: true, text: 'before c' });
    const after = await a.manager.sealChat('after c');
    expect(await c.manager.openChat(a.info.memberId, after)).toEqual({ ok: true, text: 'after c' });
  });

  it('a leaver cannot open messages sealed after it left', async () => {
    const relay = new Relay();
    const [a, b, c] = (await room(relay, ['a', 'b', 'c'])) as [Member, Member, Member];
    await leave(relay, c, [a, b]);
    const after = await a.manager.sealChat('after c left');
    expect(await c.manager.openChat(a.info.memberId, after)).toEqual({ ok: false, reason: 'unknown-epoch' });
    expect(await b.manager.openChat(a.info.memberId, after)).toEqual({ ok: true, text: 'after c left' });
  });

  it('opens a message sealed just before a join that arrives after the receiver ratcheted', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    const sealed = await a.manager.sealChat('just before');
    const c = await makeMember(relay, { name: 'c' });
    everyone.push(c);
    await join(relay, c, [a, b]);
    expect(await b.manager.openChat(a.info.memberId, sealed)).toEqual({ ok: true, text: 'just before' });
  });

  it('openChat never throws on garbage', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    const real = await a.manager.sealChat('hello');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.base64String().map((s) => s.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')),
          fc.uint8Array({ maxLength: 400 }).map(toBase64url),
          fc.nat(real.length).map((n) => real.slice(0, n)),
          fc
            .tuple(fc.nat(real.length - 1), fc.constantFrom('A', '_', '-', '9'))
            .map(([i, ch]) => real.slice(0, i) + ch + real.slice(i + 1)),
        ),
        fc.constantFrom(a.info.memberId, b.info.memberId, 'unknown-0000', ''),
        async (ciphertext, from) => {
          const result = await b.manager.openChat(from, ciphertext);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
    for (const weird of [undefined, null, 42, {}, 'x'.repeat(MAX_CHAT_CIPHERTEXT_CHARS + 1)]) {
      expect((await b.manager.openChat(a.info.memberId, weird as string)).ok).toBe(false);
    }
  });

  it('refuses a chat from a member without a valid link MAC', async () => {
    const relay = new Relay();
    const { newLinkSecret } = await import('../../src/index.ts');
    const secret = newLinkSecret();
    const a = await makeMember(relay, { name: 'a', linkSecret: secret });
    const m = await makeMember(relay, { name: 'm', identityLinkSecret: null });
    everyone.push(a, m);
    await join(relay, a, []);
    await join(relay, m, [a]);
    const sealed = await m.manager.sealChat('let me in');
    expect(await a.manager.openChat(m.info.memberId, sealed)).toEqual({ ok: false, reason: 'bad-link-mac' });
  });

  it('cannot seal before start', async () => {
    const relay = new Relay();
    const a = await makeMember(relay, { name: 'a' });
    everyone.push(a);
    await expect(a.manager.sealChat('too early')).rejects.toThrow(/start/);
  });
});
