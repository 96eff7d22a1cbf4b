import { MAX_CHAT_CIPHERTEXT_CHARS, type IdentityKeys } from '@confidentiel/protocol';
import { subtle, type WebCryptoKey } from '../webcrypto.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { compareBytes, concatBytes, utf8, type Bytes } from './bytes.ts';
import { MAX_CHAT_TEXT_LENGTH } from './ChatCipher.ts';
import { decodeCompactText, encodeCompactText } from './compactText.ts';
import { IV_BYTES, SIGNATURE_BYTES } from './Envelope.ts';
import { decodePublicKey, verifyLinkMac, type LocalIdentity } from './LocalIdentity.ts';

/**
 * Lobby messages: a host (or co-host) writes to someone waiting in the lobby, who holds no sender
 * key of the meeting and must get none (the meeting's chat key is out of reach); that person may
 * answer a host. Each message is sealed for one addressee with a pairwise key of its own, signed
 * by the sender's identity, and relayed opaquely by signaling (which learns who wrote to whom and
 * when, not what).
 *
 * ```
 * lobby     = header || iv (12) || AES-GCM-256(encoding (1) || text, AAD = header) || signature (64)
 * header    = version (1) = 0x01 || len(from) (1) || from || len(to) (1) || to
 * signature = ECDSA-P256-SHA256(sender's sign key,
 *               "confidentiel lobby message signature v1" || 0x00 || header || iv || ciphertext)
 * ```
 *
 * The AES-GCM key of the direction from -> to is
 * HKDF-SHA-256(IKM = ECDH(from, to), salt = SHA-256(sorted(ecdh_raw_from, ecdh_raw_to)),
 * info = "confidentiel lobby message v1" || len(from) || from || len(to) || to): the labels differ
 * from the key envelopes' (Envelope.ts), so neither kind of message can pass for the other, and
 * the two directions have different keys. The text is encoded as in the chat (compactText.ts).
 * Member ids are length-prefixed so no two (from, to) pairs give the same bytes.
 */
export const LOBBY_MESSAGE_VERSION = 1;

const KEY_INFO = 'confidentiel lobby message v1';
const SIGNATURE_CONTEXT = 'confidentiel lobby message signature v1';
const TAG_BYTES = 16;
const MAX_ID_BYTES = 255;
const ECDSA = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Why a peer's identity is not used: not P-256 keys, or no valid MAC of the invite link's secret. */
export type LobbyPeerRefusal = 'malformed' | 'bad-link-mac';

/** What one side needs to write to and read from one peer. Keys never leave WebCrypto. */
export interface LobbyChannel {
  readonly selfId: string;
  readonly peerId: string;
  /** AES-GCM, self -> peer. */
  readonly seal: WebCryptoKey;
  /** AES-GCM, peer -> self. */
  readonly open: WebCryptoKey;
  /** The peer's ECDSA public key. */
  readonly verifyKey: WebCryptoKey;
  /** Our ECDSA private key. */
  readonly signingKey: WebCryptoKey;
}

export type LobbyChannelResult =
  | { readonly ok: true; readonly channel: LobbyChannel }
  | { readonly ok: false; readonly reason: LobbyPeerRefusal };

/**
 * - `malformed`: not a lobby message of ours (version, lengths, encoding, text too long);
 * - `misaddressed`: sealed by someone else or for someone else than this channel's peer and self;
 * - `bad-signature`: not signed by the peer's identity;
 * - `undecryptable`: signed, but AES-GCM refuses it (not sealed with this pair's key).
 */
export type LobbyOpenFailure = 'malformed' | 'misaddressed' | 'bad-signature' | 'undecryptable';

export type OpenedLobbyMessage =
  | {
      readonly ok: true;
      readonly text: string;
      /** The message's IV (base64url): random per message, so a replayed message is recognised. */
      readonly messageId: string;
    }
  | { readonly ok: false; readonly reason: LobbyOpenFailure };

function idBytes(id: string): Bytes {
  const bytes = utf8(id);
  if (bytes.length === 0 || bytes.length > MAX_ID_BYTES) {
    throw new TypeError('member ids must have 1 to 255 bytes');
  }
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

function direction(from: string, to: string): Bytes {
  return concatBytes(idBytes(from), idBytes(to));
}

/**
 * Imports the peer's identity (checked against the invite link's MAC when the link has a secret,
 * as the meeting checks its members) and derives both directions' keys.
 */
export async function openLobbyChannel(args: {
  readonly selfId: string;
  readonly identity: LocalIdentity;
  readonly peerId: string;
  readonly peerKeys: IdentityKeys;
  readonly linkSecret: string | undefined;
}): Promise<LobbyChannelResult> {
  if (args.selfId === args.peerId) {
    throw new TypeError('a lobby channel needs two different members');
  }
  const selfEcdhRaw = decodePublicKey(args.identity.publicKeys.ecdh);
  if (selfEcdhRaw === undefined) {
    throw new TypeError('our own identity keys are malformed');
  }
  const ecdhRaw = decodePublicKey(args.peerKeys.ecdh);
  const signRaw = decodePublicKey(args.peerKeys.sign);
  if (ecdhRaw === undefined || signRaw === undefined) {
    return { ok: false, reason: 'malformed' };
  }
  if (args.linkSecret !== undefined && !(await verifyLinkMac(args.peerKeys, args.linkSecret))) {
    return { ok: false, reason: 'bad-link-mac' };
  }
  let ecdhPublic: WebCryptoKey;
  let verifyKey: WebCryptoKey;
  try {
    [ecdhPublic, verifyKey] = await Promise.all([
      subtle().importKey('raw', ecdhRaw, { name: 'ECDH', namedCurve: 'P-256' }, false, []),
      subtle().importKey('raw', signRaw, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']),
    ]);
  } catch {
    // Not a point on the curve: WebCrypto refuses the import.
    return { ok: false, reason: 'malformed' };
  }
  const shared = new Uint8Array(
    await subtle().deriveBits({ name: 'ECDH', public: ecdhPublic }, args.identity.ecdh.privateKey, 256),
  );
  let ikm: WebCryptoKey;
  try {
    ikm = await subtle().importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  } finally {
    shared.fill(0);
  }
  const [low, high] = [selfEcdhRaw, ecdhRaw].sort(compareBytes) as [Bytes, Bytes];
  const salt = new Uint8Array(await subtle().digest('SHA-256', concatBytes(low, high)));
  const derive = (from: string, to: string) =>
    subtle().deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt, info: concatBytes(utf8(KEY_INFO), direction(from, to)) },
      ikm,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
  const [seal, open] = await Promise.all([
    derive(args.selfId, args.peerId),
    derive(args.peerId, args.selfId),
  ]);
  return {
    ok: true,
    channel: {
      selfId: args.selfId,
      peerId: args.peerId,
      seal,
      open,
      verifyKey,
      signingKey: args.identity.sign.privateKey,
    },
  };
}

function signedBytes(body: Uint8Array): Bytes {
  return concatBytes(utf8(SIGNATURE_CONTEXT), Uint8Array.of(0), body);
}

/**
 * Seals `text` from self to the channel's peer. `TypeError` for an empty text or one longer than
 * MAX_CHAT_TEXT_LENGTH (the chat's bound). `iv` only for tests: a fresh random one by default.
 */
export async function sealLobbyMessage(
  channel: LobbyChannel,
  text: string,
  iv: Uint8Array = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES)),
): Promise<string> {
  if (text.length === 0 || text.length > MAX_CHAT_TEXT_LENGTH) {
    throw new TypeError(`a lobby message has 1 to ${MAX_CHAT_TEXT_LENGTH} characters`);
  }
  if (iv.length !== IV_BYTES) {
    throw new TypeError(`the IV must have ${IV_BYTES} bytes`);
  }
  const header = concatBytes(Uint8Array.of(LOBBY_MESSAGE_VERSION), direction(channel.selfId, channel.peerId));
  const { encoding, bytes } = encodeCompactText(text);
  const plaintext = concatBytes(Uint8Array.of(encoding), bytes);
  bytes.fill(0);
  let ciphertext: Bytes;
  try {
    ciphertext = new Uint8Array(
      await subtle().encrypt(
        { name: 'AES-GCM', iv: Uint8Array.from(iv), additionalData: header },
        channel.seal,
        plaintext,
      ),
    );
  } finally {
    plaintext.fill(0);
  }
  const body = concatBytes(header, iv, ciphertext);
  const signature = new Uint8Array(await subtle().sign(ECDSA, channel.signingKey, signedBytes(body)));
  const sealed = toBase64url(concatBytes(body, signature));
  if (sealed.length > MAX_CHAT_CIPHERTEXT_CHARS) {
    throw new TypeError('the sealed lobby message is too long');
  }
  return sealed;
}

interface ParsedLobbyMessage {
  readonly from: string;
  readonly to: string;
  readonly header: Bytes;
  readonly iv: Bytes;
  readonly ciphertext: Bytes;
  readonly body: Bytes;
  readonly signature: Bytes;
}

function readId(bytes: Bytes, offset: number): { id: string; end: number } | undefined {
  const length = bytes[offset];
  if (length === undefined || length === 0 || offset + 1 + length > bytes.length) {
    return undefined;
  }
  try {
    const id = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(offset + 1, offset + 1 + length),
    );
    return { id, end: offset + 1 + length };
  } catch {
    return undefined;
  }
}

function parseLobbyMessage(text: string): ParsedLobbyMessage | undefined {
  if (text.length > MAX_CHAT_CIPHERTEXT_CHARS) {
    return undefined;
  }
  const bytes = fromBase64url(text);
  if (bytes === undefined || bytes[0] !== LOBBY_MESSAGE_VERSION) {
    return undefined;
  }
  const from = readId(bytes, 1);
  const to = from && readId(bytes, from.end);
  if (from === undefined || to === undefined) {
    return undefined;
  }
  const ivEnd = to.end + IV_BYTES;
  const bodyEnd = bytes.length - SIGNATURE_BYTES;
  // At least the encoding byte and one byte of text under the tag.
  if (bodyEnd - ivEnd < TAG_BYTES + 2) {
    return undefined;
  }
  return {
    from: from.id,
    to: to.id,
    header: bytes.slice(0, to.end),
    iv: bytes.slice(to.end, ivEnd),
    ciphertext: bytes.slice(ivEnd, bodyEnd),
    body: bytes.slice(0, bodyEnd),
    signature: bytes.slice(bodyEnd),
  };
}

/**
 * Opens a message the channel's peer sealed for self: it must name them as sender and us as
 * addressee, carry their signature and decrypt under the pair's key of that direction.
 */
export async function openLobbyMessage(channel: LobbyChannel, sealed: string): Promise<OpenedLobbyMessage> {
  const parsed = parseLobbyMessage(sealed);
  if (parsed === undefined) {
    return { ok: false, reason: 'malformed' };
  }
  if (parsed.from !== channel.peerId || parsed.to !== channel.selfId) {
    return { ok: false, reason: 'misaddressed' };
  }
  let signed: boolean;
  try {
    signed = await subtle().verify(ECDSA, channel.verifyKey, parsed.signature, signedBytes(parsed.body));
  } catch {
    signed = false;
  }
  if (!signed) {
    return { ok: false, reason: 'bad-signature' };
  }
  let plaintext: Bytes;
  try {
    plaintext = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: parsed.iv, additionalData: parsed.header },
        channel.open,
        parsed.ciphertext,
      ),
    );
  } catch {
    return { ok: false, reason: 'undecryptable' };
  }
  const text = decodeCompactText(plaintext[0]!, plaintext.subarray(1));
  plaintext.fill(0);
  if (text === undefined || text.length === 0 || text.length > MAX_CHAT_TEXT_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  return { ok: true, text, messageId: toBase64url(parsed.iv) };
}
