import type { MemberInfo, MemberRole, RoomClosedReason } from '@confidentiel/protocol';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { CommitteeHooks, CommitteeMember } from '../committee/CommitteeService.ts';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import type { Admissions } from '../rooms/Admissions.ts';
import type { EndedMeetings } from '../rooms/EndedMeetings.ts';
import type { HeldOut } from '../rooms/HeldOut.ts';
import type { MlsDelivery } from '../mls/MlsDelivery.ts';
import type { Revocations } from '../rooms/Revocations.ts';
import type { RoleOverrides } from '../rooms/RoleOverrides.ts';
import type { RoomQueue } from '../rooms/RoomQueue.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { Identity } from '../rooms/verifyRoomToken.ts';
import type { SfuClient } from '../sfu/SfuClient.ts';
import type { IceConfig } from '../turn/iceServers.ts';
import type { SessionSocket } from './SessionSocket.ts';

/**
 * A member's session as requests reach it: its own member's, and other
 * members' (a moderator's, a host's arrival). A MemberSession is one.
 */
export interface PeerSession extends CommitteeMember {
  readonly identity: Identity;
  readonly socket: SessionSocket;
  /** In the room. */
  readonly joined: boolean;
  /** In the lobby, not yet admitted. */
  readonly waiting: boolean;
  /** Throws (a ProtocolError) unless the member is in the room. */
  scope(): { roomId: string; memberId: string };
  /** Lets a waiting member in. False if not waiting. */
  admit(): Promise<boolean>;
  /** Turns a waiting member away. False if not waiting. */
  refuseEntry(): Promise<boolean>;
  /** Removes the member (token, member id and personal invite revoked), then ends the session. */
  remove(): Promise<void>;
  /** Changes the member's role (already authorised). */
  setRole(role: MemberRole): Promise<MemberInfo | undefined>;
  /** Closes some of the member's producers and tells the room. */
  closeProducers(producerIds: readonly string[]): Promise<void>;
  /** Ends the session: tells the member why, leaves, disconnects. */
  end(reason: RoomClosedReason): Promise<void>;
}

/** The live sessions of this node, by member id. */
export interface SessionDirectory {
  get(memberId: string): PeerSession | undefined;
}

export interface SessionDeps {
  meetings: MeetingStore;
  state: RoomState;
  sfu: SfuClient;
  logger: Logger;
  now: () => number;
  /** Chat messages per member (sealed text is still a flood vector). */
  chatLimiter: RateLimiterAbstract;
  /** ICE servers (TURN with this member's own credentials) and policy, made at join. */
  iceConfig: (memberId: string) => IceConfig;
  revocations: Revocations;
  /** Who was let in: what only admitted members may reach over HTTP (recordings) asks it. */
  admissions: Admissions;
  /** Roles moderators gave, outranking tokens (a demotion survives a reconnect). */
  roleOverrides: RoleOverrides;
  /** Meetings a host ended: nobody but a host enters until a host is back. */
  endedMeetings: EndedMeetings;
  /** Members a host sent back to the waiting room: each join of theirs waits for admission. */
  heldOut: HeldOut;
  /** Runs each room's sequences of state steps one at a time (shared by every session of this node). */
  queue: RoomQueue;
  directory: SessionDirectory;
  /** A fresh room token for this member with its current role. */
  issueToken: (identity: Identity, role: MemberRole) => { token: string; jti: string; expiresAt: number };
  /** Whether the invite a token came from was revoked since (a revoked link lets nobody in). */
  inviteRevoked: (inviteId: string) => Promise<boolean>;
  /** Called when a moderator removes a member (revokes a personal invite). */
  onRemoved: (identity: Identity) => Promise<void>;
  /** How long revocations of a removed member last (longer than any token). */
  revocationMs: number;
  /** Committee sessions: their requests, attendance and session journal. */
  committee: CommitteeHooks;
  /** The MLS Delivery Service: key packages, one commit per epoch, Welcomes (see mlsHandlers). */
  mls: MlsDelivery;
}
