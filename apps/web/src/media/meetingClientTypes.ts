import type { Device } from 'mediasoup-client';
import type {
  CommitteeState,
  IdentityKeys,
  MediaSource,
  MemberInfo,
  ModerationAction,
  committeeRequests,
} from '@confidentiel/protocol';
import type { Logger } from '../logger.ts';
import type { Clock } from './engine/clock.ts';
import type { RepairPolicy } from './engine/repairPolicy.ts';
import type { MeetingState } from './meetingState.ts';
import type { RoomEventPayload, RoomSocketFactory } from './RoomConnection.ts';
import type { InboundFigures } from './stats.ts';

/** Something a screen reader should hear about, politely. */
export type MeetingNotice =
  | { type: 'memberJoined'; displayName: string }
  | { type: 'memberLeft'; displayName: string }
  | { type: 'activeSpeaker'; displayName: string; isSelf: boolean }
  | { type: 'moderated'; action: ModerationAction; byName: string | null }
  | { type: 'lobbyArrival'; displayName: string }
  | { type: 'admitted' };

export type MeetingClientEvents = {
  /** The state snapshot changed (a new object each time). */
  state: [MeetingState];
  notice: [MeetingNotice];
  /**
   * The join answer: who we are and who is there. Emitted before any event
   * that arrived meanwhile is replayed, and before any media is sent.
   */
  joined: [{ self: MemberInfo; members: readonly MemberInfo[] }];
  /** A member not known before joined (never ourselves). */
  memberJoined: [MemberInfo];
  /** A known member left. */
  memberLeft: [memberId: string];
  /** A sealed key envelope from another member (E2EE key distribution). */
  keyEnvelope: [{ from: string; envelope: string }];
  /** A member's role changed (the MLS admission rules depend on who is host). */
  memberUpdated: [MemberInfo];
  /** MLS (signaling as the Delivery Service): another admitted member's key package. */
  mlsKeyPackage: [{ memberId: string; keyPackage: string }];
  /** MLS: an accepted commit made by `from` in `epoch`. */
  mlsCommit: [{ from: string; epoch: number; commit: string }];
  /** MLS: the Welcome of the commit that added us. */
  mlsWelcome: [{ from: string; epoch: number; welcome: string }];
  /** MLS: signaling's group was reset; publish a key package again. */
  mlsReset: [];
  /** A sealed chat message from another member (ours are not echoed back). */
  chatMessage: [{ from: string; ciphertext: string; sentAt: number }];
  /** A lobby message sealed for us (a host to us waiting, or someone waiting to us as host). */
  lobbyMessage: [RoomEventPayload<'lobbyMessage'>];
  /**
   * A host sent us back to the waiting room: this participation is over (media, keys and
   * connection released) and the state shows the waiting room; the page joins again, and that
   * join waits for a host's admission. Says what we were sending, to send it again on return.
   */
  sentToLobby: [{ microphone: boolean; camera: boolean }];
  /** The server gave a fresh room token (a rejoin may use it while it lives). */
  tokenRefreshed: [{ token: string; expiresAt: number }];
  /** A committee session's agenda, floor, votes, minutes index and recording notice changed. */
  committeeState: [CommitteeState];
  /** The chair gave (true) or withdrew (false) us the floor. */
  floorChanged: [speaking: boolean];
};

/** Requests of committee sessions (packages/protocol committee.ts). */
export type CommitteeRequestName = keyof typeof committeeRequests;

/** Where local tracks come from (navigator.mediaDevices in a browser). */
export interface MediaAcquirer {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia(options: DisplayMediaStreamOptions): Promise<MediaStream>;
}

/** What the receiver hook learns about the consumer it is attached to. */
export interface RtpReceiverInfo {
  memberId: string;
  source: MediaSource;
  /** The sending member's E2EE sender index (signaling's). */
  senderIndex: number;
  /** The consumer's media codec (`video/VP8`), from its RTP parameters; null if none. */
  mimeType: string | null;
}

/**
 * The slot for end-to-end encryption (packages/e2ee): extra peer connection
 * settings and a hook on every RTP sender and receiver, where an encoded
 * transform is attached before any frame flows. mediasoup-client calls
 * `onRtpSender` right after adding the transceiver and before the offer, and
 * `onRtpReceiver` before the answer; when hooks are given, a producer or
 * consumer whose hook did not run (or threw) is closed: nothing flows
 * without its transform. The hooks run again, the same way, for the new
 * senders and receivers made after the media server lost the room's media.
 */
export interface MediaTransformHooks {
  transportSettings?: Partial<RTCConfiguration>;
  onRtpSender?: (sender: RTCRtpSender, source: MediaSource) => void;
  onRtpReceiver?: (receiver: RTCRtpReceiver, info: RtpReceiverInfo) => void;
}

export interface MeetingClientOptions {
  /** The room token from `POST /api/meetings/:id/join-tokens`. */
  token: string;
  /** This browser's identity public keys, announced at join. */
  identity: IdentityKeys;
  socketFactory: RoomSocketFactory;
  /** Defaults to mediasoup-client's browser detection. */
  createDevice?: () => Promise<Device>;
  mediaDevices?: MediaAcquirer;
  logger?: Logger;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  transform?: MediaTransformHooks;
  /** Time for the repair delays and the token refresh; defaults to the system clock. */
  clock?: Clock;
  /** Which media repairs may run (all by default). */
  repairPolicy?: RepairPolicy;
}

export interface LocalTrackOptions {
  /** A track already acquired (the pre-join preview); the client takes ownership of it. */
  track?: MediaStreamTrack | null;
  deviceId?: string | null;
}

export interface ConsumerStats extends InboundFigures {
  memberId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  producerId: string;
  consumerId: string;
  producerPaused: boolean;
}
