import { describe, expect, it } from 'vitest';
import {
  COMMITTEE_SECRET_BYTES,
  committeeSecretBytes,
  committeeSecretText,
  deriveCommitteeKey,
  isCommitteeSecret,
  newCommitteeSecret,
  newLinkSecret,
  openCommittee,
  sealCommittee,
} from '../../src/index.ts';
import { toBase64url } from '../../src/distribution/base64url.ts';
import { closedAfterEach, hex, join, makeMember, openAs, Relay, sentTo, type Member } from './harness.ts';

const everyone = closedAfterEach();

async function room(relay: Relay, names: string[], options: { linkSecret?: string } = {}): Promise<Member[]> {
  const members: Member[] = [];
  for (const name of names) {
    const member = await makeMember(relay, { name, ...options });
    everyone.push(member);
    await join(relay, member, members);
    members.push(member);
  }
  return members;
}

function received(member: Member): Array<{ memberId: string; secret: string }> {
  const out: Array<{ memberId: string; secret: string }> = [];
  member.manager.on('committeeSecret', ({ memberId, secret }) => out.push({ memberId, secret: hex(secret) }));
  return out;
}

describe('committee secret', () => {
  it('is 32 random bytes in base64url; anything else is refused', () => {
    const secret = newCommitteeSecret();
    expect(isCommitteeSecret(secret)).toBe(true);
    expect(committeeSecretBytes(secret)).toHaveLength(COMMITTEE_SECRET_BYTES);
    expect(newCommitteeSecret()).not.toBe(secret);
    expect(committeeSecretText(committeeSecretBytes(secret)!)).toBe(secret);
    for (const bad of ['', 'not base64url!', toBase64url(new Uint8Array(31)), 42, null]) {
      expect(isCommitteeSecret(bad)).toBe(false);
    }
  });

  it('derives one key per purpose and meeting; the link secret no longer opens the record', async () => {
    const secret = newCommitteeSecret();
    const key = await deriveCommitteeKey(secret, 'meeting-1', 'recording');
    const sealed = await sealCommittee(key, new TextEncoder().encode('séance'), 'r:0');
    expect(new TextDecoder().decode(await openCommittee(key, sealed, 'r:0'))).toBe('séance');
    const others = [
      await deriveCommitteeKey(secret, 'meeting-1', 'minutes'),
      await deriveCommitteeKey(secret, 'meeting-2', 'recording'),
      await deriveCommitteeKey(newCommitteeSecret(), 'meeting-1', 'recording'),
    ];
    // What every invitation link carries (the link secret) is no help either.
    others.push(await deriveCommitteeKey(newLinkSecret(), 'meeting-1', 'recording'));
    for (const other of others) {
      await expect(openCommittee(other, sealed, 'r:0')).rejects.toThrow();
    }
  });

  it('travels sealed to one member, who learns it; the relay and the others see only ciphertext', async () => {
    const relay = new Relay();
    const [chair, member, other] = await room(relay, ['chair', 'member', 'other']);
    const gotByMember = received(member!);
    const gotByOther = received(other!);
    const secret = committeeSecretBytes(newCommitteeSecret())!;
    const mark = relay.log.length;
    expect(await chair!.manager.shareCommitteeSecret(member!.info.memberId, secret)).toBe(true);
    await relay.settle();
    expect(gotByMember).toEqual([{ memberId: chair!.info.memberId, secret: hex(secret) }]);
    expect(gotByOther).toEqual([]);
    const sent = sentTo(relay, member!.info.memberId, mark);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.envelope).not.toContain(toBase64url(secret));
    expect(Buffer.from(sent[0]!.envelope, 'base64url').includes(Buffer.from(secret))).toBe(false);
    expect(await openAs(member!, chair!, sent[0]!.envelope)).toEqual({
      type: 'committee-secret',
      secret: Uint8Array.from(secret),
    });
    // The caller's bytes are left alone (the manager sealed a copy).
    expect(secret.some((b) => b !== 0)).toBe(true);
  });

  it('is not sent to a member without a valid link MAC, nor to a stranger', async () => {
    const relay = new Relay();
    const linkSecret = newLinkSecret();
    const [chair] = await room(relay, ['chair', 'member'], { linkSecret });
    const intruder = await makeMember(relay, { name: 'intruder', identityLinkSecret: newLinkSecret() });
    everyone.push(intruder);
    await join(relay, intruder, everyone.slice(0, 2));
    const gotByIntruder = received(intruder);
    const mark = relay.log.length;
    const secret = committeeSecretBytes(newCommitteeSecret())!;
    expect(await chair!.manager.shareCommitteeSecret(intruder.info.memberId, secret)).toBe(false);
    expect(await chair!.manager.shareCommitteeSecret('nobody-0000', secret)).toBe(false);
    await relay.settle();
    expect(sentTo(relay, intruder.info.memberId, mark)).toEqual([]);
    expect(gotByIntruder).toEqual([]);
  });

  it('is refused from a member without a valid link MAC (bad-link-mac), and a tampered one is dropped', async () => {
    const relay = new Relay();
    const linkSecret = newLinkSecret();
    const [chair, member] = await room(relay, ['chair', 'member'], { linkSecret });
    const gotByMember = received(member!);
    relay.hook = (transit) => {
      const bytes = Buffer.from(transit.envelope, 'base64url');
      bytes[bytes.length - 70] = bytes[bytes.length - 70]! ^ 1;
      transit.envelope = bytes.toString('base64url');
      return 'deliver';
    };
    expect(
      await chair!.manager.shareCommitteeSecret(
        member!.info.memberId,
        committeeSecretBytes(newCommitteeSecret())!,
      ),
    ).toBe(true);
    await relay.settle();
    expect(gotByMember).toEqual([]);
    expect(member!.rejected).toContainEqual({ memberId: chair!.info.memberId, reason: 'bad-signature' });
  });

  it('refuses a secret of the wrong size before sending anything', async () => {
    const relay = new Relay();
    const [chair, member] = await room(relay, ['chair', 'member']);
    const mark = relay.log.length;
    await expect(
      chair!.manager.shareCommitteeSecret(member!.info.memberId, new Uint8Array(16)),
    ).rejects.toThrow(TypeError);
    expect(relay.log.length).toBe(mark);
  });
});
