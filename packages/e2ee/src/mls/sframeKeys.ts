import { mlsExporter, type CiphersuiteImpl, type ClientState } from 'ts-mls';
import { digitGroups } from '../distribution/SafetyCode.ts';
import { subtle } from '../webcrypto.ts';
import { concatBytes, utf8 } from '../distribution/bytes.ts';
import { SENDER_KEY_BYTES } from '../distribution/KeyDerivation.ts';

/** RFC 9605 §5.2: the label of the MLS exporter secret SFrame keys come from. */
export const SFRAME_EXPORTER_LABEL = 'SFrame 1.0 Base Key';
const SAFETY_CODE_LABEL = 'confidentiel mls safety code v1';

/** KDF.Nh of the suite's KDF (HKDF-SHA-256). */
const KDF_NH = 32;

/** sframe_epoch_secret = MLS-Exporter("SFrame 1.0 Base Key", "", KDF.Nh) of the group's current epoch. */
export function sframeEpochSecret(state: ClientState, suite: CiphersuiteImpl): Promise<Uint8Array> {
  return mlsExporter(
    state.keySchedule.exporterSecret,
    SFRAME_EXPORTER_LABEL,
    new Uint8Array(0),
    KDF_NH,
    suite,
  );
}

/**
 * A sender's base key in that epoch: HKDF-Expand(sframe_epoch_secret, uint32_be(index), AEAD.Nk)
 * (RFC 9605 §5.2), where the index is the room's sender index the member's signed credential
 * carries (our KID layout keeps it; docs/adr/0013-mls-group-keys.md).
 */
export function sframeSenderKey(
  epochSecret: Uint8Array,
  senderIndex: number,
  suite: CiphersuiteImpl,
): Promise<Uint8Array> {
  const info = new Uint8Array(4);
  new DataView(info.buffer).setUint32(0, senderIndex);
  return suite.kdf.expand(epochSecret, info, SENDER_KEY_BYTES);
}

/**
 * The room's safety code in this epoch: 6 groups of 5 digits of SHA-256(label || epoch
 * authenticator). Every member of the same epoch shows the same code; a member whose group was
 * forked (a server showing each side another group) shows another one.
 */
export async function epochSafetyCode(state: ClientState): Promise<string> {
  const digest = await subtle().digest(
    'SHA-256',
    concatBytes(utf8(SAFETY_CODE_LABEL), state.keySchedule.epochAuthenticator),
  );
  return digitGroups(new Uint8Array(digest));
}
