import { describe, expect, it } from 'vitest';
import {
  createLocalIdentity,
  MAX_CHAT_TEXT_LENGTH,
  newLinkSecret,
  openLobbyChannel,
  openLobbyMessage,
  sealLobbyMessage,
  type LobbyChannel,
  type LocalIdentity,
} from '../../src/index.ts';
import { fromBase64url, toBase64url } from '../../src/distribution/base64url.ts';
import { parseEnvelope, verifyEnvelope } from '../../src/distribution/Envelope.ts';
import { MAX_CHAT_CIPHERTEXT_CHARS } from '@confidentiel/protocol';

// Member ids of the same length, so that a header can be rewritten in place.
const HOST = 'host-member-0001';
const GUEST = 'guest-member-001';
const OTHER = 'other-member-001';
const TEXT = 'Maître Dupont vous reçoit dans cinq minutes';

async function channel(
  selfId: string,
  self: LocalIdentity,
  peerId: string,
  peer: LocalIdentity,
  linkSecret?: string,
): Promise<LobbyChannel> {
  const result = await openLobbyChannel({
    selfId,
    identity: self,
    peerId,
    peerKeys: peer.publicKeys,
    linkSecret,
  });
  if (!result.ok) {
    throw new Error(`channel refused: ${result.reason}`);
  }
  return result.channel;
}

async function parties(linkSecret?: string) {
  const options = linkSecret === undefined ? {} : { linkSecret };
  const [host, guest, other] = await Promise.all([
    createLocalIdentity(options),
    createLocalIdentity(options),
    createLocalIdentity(options),
  ]);
  return {
    host,
    guest,
    other,
    hostToGuest: await channel(HOST, host, GUEST, guest, linkSecret),
    guestFromHost: await channel(GUEST, guest, HOST, host, linkSecret),
    otherFromHost: await channel(OTHER, other, HOST, host, linkSecret),
  };
}

/** The sealed message with one byte flipped at `index` (negative: from the end). */
function flipped(sealed: string, index: number): string {
  const bytes = fromBase64url(sealed)!;
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 0x01;
  return toBase64url(bytes);
}

/** `needle` occurs in `haystack`, byte for byte. */
function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) {
        continue outer;
      }
    }
    return true;
  }
  return false;
}

describe('lobby messages', () => {
  it('open for their addressee, with the text and an id for replays', async () => {
    const { hostToGuest, guestFromHost } = await parties();
    const sealed = await sealLobbyMessage(hostToGuest, TEXT);
    const opened = await openLobbyMessage(guestFromHost, sealed);
    expect(opened).toEqual({ ok: true, text: TEXT, messageId: expect.any(String) as string });
    // The same message twice has the same id (the page drops the second); another has another.
    const again = await openLobbyMessage(guestFromHost, sealed);
    const next = await openLobbyMessage(guestFromHost, await sealLobbyMessage(hostToGuest, TEXT));
    expect(again.ok && opened.ok && again.messageId === opened.messageId).toBe(true);
    expect(next.ok && opened.ok && next.messageId !== opened.messageId).toBe(true);
  });

  it('answers go the other way under the other direction key', async () => {
    const { hostToGuest, guestFromHost } = await parties();
    const reply = await sealLobbyMessage(guestFromHost, "J'arrive");
    expect(await openLobbyMessage(hostToGuest, reply)).toMatchObject({ ok: true, text: "J'arrive" });
    // The sender's own channel does not open its own message as if the peer had written it.
    expect(await openLobbyMessage(guestFromHost, reply)).toEqual({ ok: false, reason: 'misaddressed' });
  });

  it('do not contain the text, in any encoding', async () => {
    const { hostToGuest } = await parties();
    for (const text of [TEXT, '会議室は十時に開きます。少々お待ちください。']) {
      const sealed = await sealLobbyMessage(hostToGuest, text);
      expect(sealed).not.toContain(text);
      const bytes = fromBase64url(sealed)!;
      const utf16 = new Uint8Array(new Uint16Array([...text].map((c) => c.charCodeAt(0))).buffer);
      expect(containsBytes(bytes, new TextEncoder().encode(text))).toBe(false);
      expect(containsBytes(bytes, utf16)).toBe(false);
      // Negative control: the search finds what is there (the addressee's id, in clear in the header).
      expect(containsBytes(bytes, new TextEncoder().encode(GUEST))).toBe(true);
    }
  });

  it('do not open with another member’s keys', async () => {
    const { host, other, hostToGuest, otherFromHost } = await parties();
    const sealed = await sealLobbyMessage(hostToGuest, TEXT);
    // Another person waiting, to whom the server relays it: not addressed to them.
    expect(await openLobbyMessage(otherFromHost, sealed)).toEqual({ ok: false, reason: 'misaddressed' });
    // Someone claiming the guest's member id with their own keys: signed, but the key is not theirs.
    const impostor = await channel(GUEST, other, HOST, host);
    expect(await openLobbyMessage(impostor, sealed)).toEqual({ ok: false, reason: 'undecryptable' });
  });

  it('fail on any tampered byte: header, IV, ciphertext, signature', async () => {
    const { hostToGuest, guestFromHost } = await parties();
    const sealed = await sealLobbyMessage(hostToGuest, TEXT);
    const length = fromBase64url(sealed)!.length;
    const headerEnd = 1 + 1 + HOST.length + 1 + GUEST.length;
    const cases: Array<[string, number, string]> = [
      ['version', 0, 'malformed'],
      ['a sender id byte', 2, 'misaddressed'],
      ['an addressee id byte', 2 + HOST.length + 1, 'misaddressed'],
      ['the IV', headerEnd, 'bad-signature'],
      ['the ciphertext', headerEnd + 12 + 3, 'bad-signature'],
      ['the tag', length - 64 - 1, 'bad-signature'],
      ['the signature', -1, 'bad-signature'],
    ];
    for (const [what, index, reason] of cases) {
      const result = await openLobbyMessage(guestFromHost, flipped(sealed, index));
      expect({ what, result }).toEqual({ what, result: { ok: false, reason } });
    }
    expect(await openLobbyMessage(guestFromHost, sealed.slice(0, -4))).toMatchObject({ ok: false });
    expect(await openLobbyMessage(guestFromHost, 'AAAA')).toEqual({ ok: false, reason: 'malformed' });
    expect(await openLobbyMessage(guestFromHost, 'not base64url!')).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('fail when sender and addressee are swapped in the header', async () => {
    const { hostToGuest, guestFromHost } = await parties();
    const bytes = fromBase64url(await sealLobbyMessage(hostToGuest, TEXT))!;
    const enc = new TextEncoder();
    bytes.set(enc.encode(GUEST), 2);
    bytes.set(enc.encode(HOST), 2 + GUEST.length + 1);
    const swapped = toBase64url(bytes);
    // The guest sees a message "from itself": refused; the host sees one "from the guest": forged.
    expect(await openLobbyMessage(guestFromHost, swapped)).toEqual({ ok: false, reason: 'misaddressed' });
    expect(await openLobbyMessage(hostToGuest, swapped)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('fail when replayed to another recipient, even with the addressee rewritten', async () => {
    const { hostToGuest, otherFromHost } = await parties();
    const sealed = await sealLobbyMessage(hostToGuest, TEXT);
    expect(await openLobbyMessage(otherFromHost, sealed)).toEqual({ ok: false, reason: 'misaddressed' });
    const bytes = fromBase64url(sealed)!;
    bytes.set(new TextEncoder().encode(OTHER), 2 + HOST.length + 1);
    expect(await openLobbyMessage(otherFromHost, toBase64url(bytes))).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('refuse a sender whose identity has no valid MAC of the link secret', async () => {
    const secret = newLinkSecret();
    const { host, guest } = await parties(secret);
    const server = await createLocalIdentity();
    const stranger = await createLocalIdentity({ linkSecret: newLinkSecret() });
    const refused = async (peerKeys: LocalIdentity['publicKeys']) =>
      openLobbyChannel({ selfId: GUEST, identity: guest, peerId: HOST, peerKeys, linkSecret: secret });
    // Keys made without the secret, with another link's secret, or substituted under the host's MAC.
    expect(await refused(server.publicKeys)).toEqual({ ok: false, reason: 'bad-link-mac' });
    expect(await refused(stranger.publicKeys)).toEqual({ ok: false, reason: 'bad-link-mac' });
    expect(await refused({ ...server.publicKeys, linkMac: host.publicKeys.linkMac! })).toEqual({
      ok: false,
      reason: 'bad-link-mac',
    });
    // Control: the host's own keys pass.
    expect((await refused(host.publicKeys)).ok).toBe(true);
    expect(await refused({ ecdh: 'AAAA', sign: host.publicKeys.sign })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('cannot pass for a key envelope (domain-separated signature)', async () => {
    const { host, hostToGuest } = await parties();
    const sealed = await sealLobbyMessage(hostToGuest, TEXT);
    const envelope = parseEnvelope(sealed);
    expect(envelope).toBeDefined();
    const verifyKey = await crypto.subtle.importKey(
      'raw',
      fromBase64url(host.publicKeys.sign)!,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    expect(await verifyEnvelope(envelope!, verifyKey)).toBe(false);
  });

  it('hold the chat’s longest text in any script, and refuse an empty or longer one', async () => {
    const { hostToGuest, guestFromHost } = await parties();
    const longest = '議'.repeat(MAX_CHAT_TEXT_LENGTH);
    const sealed = await sealLobbyMessage(hostToGuest, longest);
    expect(sealed.length).toBeLessThanOrEqual(MAX_CHAT_CIPHERTEXT_CHARS);
    expect(await openLobbyMessage(guestFromHost, sealed)).toMatchObject({ ok: true, text: longest });
    await expect(sealLobbyMessage(hostToGuest, '')).rejects.toThrow(TypeError);
    await expect(sealLobbyMessage(hostToGuest, 'x'.repeat(MAX_CHAT_TEXT_LENGTH + 1))).rejects.toThrow(
      TypeError,
    );
  });
});
