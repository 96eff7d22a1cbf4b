import type { MemberInfo } from '@confidentiel/protocol';
import { IV_BYTES } from '../distribution/Envelope.ts';
import type { RejectReason } from '../distribution/keyManagerContract.ts';
import { decodePublicKey, type LocalIdentity } from '../distribution/LocalIdentity.ts';
import { openFromMember, sealToMember, trustedMember } from '../distribution/peerEnvelope.ts';
import { admitMember, type RemoteMember } from '../distribution/RemoteMember.ts';
import type { WebCryptoKey } from '../webcrypto.ts';

export interface PeerChannelsOptions {
  readonly self: MemberInfo;
  readonly identity: LocalIdentity;
  readonly linkSecret: string | undefined;
  readonly send: (to: string, envelope: string) => Promise<void>;
  readonly random: (n: number) => Uint8Array;
  readonly onRejected: (memberId: string, reason: RejectReason) => void;
  /** The bytes are the listener's. */
  readonly onCommitteeSecret: (memberId: string, secret: Uint8Array) => void;
}

/**
 * What stays pairwise next to the MLS group: each member's identity (checked against the invite
 * link's secret) to verify chat signatures, and the sealed envelope channel that hands the
 * committee secret to one member (it is tied to the link and the admission, not to the group).
 */
export class PeerChannels {
  readonly #options: PeerChannelsOptions;
  readonly #selfEcdhRaw: Uint8Array;
  readonly #peers = new Map<string, RemoteMember>();

  constructor(options: PeerChannelsOptions) {
    const raw = decodePublicKey(options.identity.publicKeys.ecdh);
    if (raw === undefined) {
      throw new TypeError('identity has malformed public keys');
    }
    this.#options = options;
    this.#selfEcdhRaw = raw;
  }

  async add(info: MemberInfo): Promise<void> {
    const member = await admitMember({
      self: this.#options.self,
      identity: this.#options.identity,
      selfEcdhRaw: this.#selfEcdhRaw,
      info,
      linkSecret: this.#options.linkSecret,
    });
    this.#peers.set(info.memberId, member);
  }

  remove(memberId: string): void {
    this.#peers.delete(memberId);
  }

  verifyKeyOf(memberId: string): WebCryptoKey | RejectReason {
    const peer = trustedMember(this.#peers.get(memberId));
    return typeof peer === 'string' ? peer : peer.verifyKey!;
  }

  /** Seals the committee secret to one trusted member; false (nothing sent) otherwise. */
  async shareCommitteeSecret(memberId: string, secret: Uint8Array): Promise<boolean> {
    const peer = this.#peers.get(memberId);
    if (peer === undefined || peer.trust !== 'trusted') {
      return false;
    }
    const envelope = await sealToMember({
      selfId: this.#options.self.memberId,
      member: peer,
      message: { type: 'committee-secret', secret: Uint8Array.from(secret) },
      signingKey: this.#options.identity.sign.privateKey,
      iv: this.#options.random(IV_BYTES),
    });
    this.#options.send(memberId, envelope).catch(() => undefined);
    return true;
  }

  /** An envelope from `from`: only the committee secret travels this way under MLS. Never throws. */
  async receive(from: string, text: string): Promise<void> {
    const { onRejected } = this.#options;
    const opened = await openFromMember({
      selfId: this.#options.self.memberId,
      from,
      member: this.#peers.get(from),
      text,
    });
    if (typeof opened === 'string') {
      onRejected(from, opened);
      return;
    }
    const { message } = opened;
    if (message.type !== 'committee-secret') {
      // Sender keys travel in the MLS group, never in envelopes: a pairwise key is refused.
      if (message.type === 'key') {
        message.key.fill(0);
      }
      onRejected(from, 'malformed');
      return;
    }
    this.#options.onCommitteeSecret(from, Uint8Array.from(message.secret));
    message.secret.fill(0);
  }

  close(): void {
    this.#peers.clear();
  }
}
