import type {
  LobbyEntry,
  MediaKind,
  MediaSource,
  MemberInfo,
  ProducerInfo,
  RoomInfo,
  WaitingReason,
} from '@confidentiel/protocol';
import type { MeetingError } from './MeetingError.ts';

/** Why a meeting session ended. */
export type EndReason =
  | 'left'
  | 'ended'
  | 'media-server-restarted'
  | 'connection-lost'
  | 'refused'
  | 'failed'
  | 'removed'
  | 'admission-refused'
  | 'token-expired';

/**
 * Whether audio and video flow: `reconnecting` while the engine repairs
 * them (an ICE restart, or new transports after the media server lost the
 * room's media). The person stays in the meeting meanwhile.
 */
export type MediaStatus = 'connected' | 'reconnecting';

export type MeetingPhase =
  | { name: 'idle' }
  | { name: 'connecting' }
  | { name: 'waiting'; reason: WaitingReason }
  | { name: 'joined'; media: MediaStatus }
  | { name: 'ended'; reason: EndReason; error: MeetingError | null };

/** One remote producer and, once consumed, its track. */
export interface RemoteMedia {
  producerId: string;
  memberId: string;
  kind: MediaKind;
  source: MediaSource;
  /** Paused by its sender (muted microphone, camera off). */
  paused: boolean;
  consumerId: string | null;
  track: MediaStreamTrack | null;
}

/** What the local user sends for one source. */
export interface LocalSource {
  /** Sending and not paused. */
  active: boolean;
  /** The local track to preview (null when off). */
  track: MediaStreamTrack | null;
}

export type LocalSourceName = 'microphone' | 'camera' | 'screen';

export interface MeetingState {
  phase: MeetingPhase;
  self: MemberInfo | null;
  /** Other members, in join order. */
  members: readonly MemberInfo[];
  /** Other members' producers. */
  media: readonly RemoteMedia[];
  activeSpeakerId: string | null;
  local: Readonly<Record<LocalSourceName, LocalSource>>;
  /** Who waits in the lobby (only hosts and co-hosts are told). */
  lobby: readonly LobbyEntry[];
  room: RoomInfo;
}

const offSource: LocalSource = { active: false, track: null };

export const initialMeetingState: MeetingState = {
  phase: { name: 'idle' },
  self: null,
  members: [],
  media: [],
  activeSpeakerId: null,
  local: { microphone: offSource, camera: offSource, screen: offSource },
  lobby: [],
  room: { locked: false },
};

export type MeetingAction =
  | { type: 'connecting' }
  | { type: 'waiting'; reason: WaitingReason }
  | {
      type: 'joined';
      self: MemberInfo;
      members: readonly MemberInfo[];
      producers: readonly ProducerInfo[];
      room: RoomInfo;
    }
  | { type: 'lobby'; waiting: readonly LobbyEntry[] }
  | { type: 'room'; room: RoomInfo }
  | { type: 'memberUpdated'; member: MemberInfo }
  | { type: 'memberJoined'; member: MemberInfo }
  | { type: 'memberLeft'; memberId: string }
  | { type: 'producerAdded'; producer: ProducerInfo }
  | { type: 'producerClosed'; producerId: string }
  | { type: 'producerPaused'; producerId: string; paused: boolean }
  | { type: 'consumed'; producerId: string; consumerId: string; track: MediaStreamTrack }
  | { type: 'consumerClosed'; consumerId: string }
  | { type: 'activeSpeaker'; memberId: string | null }
  | { type: 'local'; source: LocalSourceName; value: LocalSource }
  | { type: 'mediaStatus'; status: MediaStatus }
  /** The media server lost every producer of the room: their ids are void; new ones follow. */
  | { type: 'mediaReset' }
  /** Remote producers as the media server has them now (after a reset); known ones are kept. */
  | { type: 'remoteProducers'; producers: readonly ProducerInfo[] }
  | { type: 'ended'; reason: EndReason; error: MeetingError | null }
  /** A host sent us back to the waiting room: nobody, no media, no track; waiting for admission. */
  | { type: 'sentToLobby' };

function toRemoteMedia(producer: ProducerInfo): RemoteMedia {
  return {
    producerId: producer.producerId,
    memberId: producer.memberId,
    kind: producer.kind,
    source: producer.source,
    paused: producer.paused,
    consumerId: null,
    track: null,
  };
}

/** Adds a member unless known (events may repeat what the join answer said). */
function addMember(
  members: readonly MemberInfo[],
  member: MemberInfo,
  selfId: string | undefined,
): readonly MemberInfo[] {
  if (member.memberId === selfId || members.some((m) => m.memberId === member.memberId)) {
    return members;
  }
  return [...members, member];
}

function addMedia(
  media: readonly RemoteMedia[],
  producer: ProducerInfo,
  selfId: string | undefined,
): readonly RemoteMedia[] {
  if (producer.memberId === selfId || media.some((m) => m.producerId === producer.producerId)) {
    return media;
  }
  return [...media, toRemoteMedia(producer)];
}

function updateMedia(
  media: readonly RemoteMedia[],
  match: (m: RemoteMedia) => boolean,
  patch: Partial<RemoteMedia>,
): readonly RemoteMedia[] {
  return media.some(match) ? media.map((m) => (match(m) ? { ...m, ...patch } : m)) : media;
}

/**
 * The pure state transition of a meeting. Events are idempotent: a repeated
 * join, producer or leave leaves the state as it was.
 */
export function meetingReducer(state: MeetingState, action: MeetingAction): MeetingState {
  if (state.phase.name === 'ended' && action.type !== 'ended') {
    return state;
  }
  const selfId = state.self?.memberId;
  switch (action.type) {
    case 'connecting':
      return { ...state, phase: { name: 'connecting' } };
    case 'waiting':
      return { ...state, phase: { name: 'waiting', reason: action.reason } };
    case 'lobby':
      return { ...state, lobby: action.waiting };
    case 'room':
      return { ...state, room: action.room };
    case 'memberUpdated': {
      if (state.self?.memberId === action.member.memberId) {
        // A demoted moderator no longer sees the lobby.
        const moderator = action.member.role === 'host' || action.member.role === 'co-host';
        return { ...state, self: action.member, lobby: moderator ? state.lobby : [] };
      }
      if (!state.members.some((m) => m.memberId === action.member.memberId)) {
        return state;
      }
      return {
        ...state,
        members: state.members.map((m) => (m.memberId === action.member.memberId ? action.member : m)),
      };
    }
    case 'joined': {
      const id = action.self.memberId;
      let members: readonly MemberInfo[] = [];
      for (const member of action.members) {
        members = addMember(members, member, id);
      }
      let media: readonly RemoteMedia[] = [];
      for (const producer of action.producers) {
        media = addMedia(media, producer, id);
      }
      return {
        ...state,
        phase: { name: 'joined', media: 'connected' },
        self: action.self,
        members,
        media,
        room: action.room,
      };
    }
    case 'memberJoined': {
      const members = addMember(state.members, action.member, selfId);
      return members === state.members ? state : { ...state, members };
    }
    case 'memberLeft': {
      if (!state.members.some((m) => m.memberId === action.memberId)) {
        return state;
      }
      return {
        ...state,
        members: state.members.filter((m) => m.memberId !== action.memberId),
        media: state.media.filter((m) => m.memberId !== action.memberId),
        activeSpeakerId: state.activeSpeakerId === action.memberId ? null : state.activeSpeakerId,
      };
    }
    case 'producerAdded': {
      const media = addMedia(state.media, action.producer, selfId);
      return media === state.media ? state : { ...state, media };
    }
    case 'producerClosed': {
      if (!state.media.some((m) => m.producerId === action.producerId)) {
        return state;
      }
      return { ...state, media: state.media.filter((m) => m.producerId !== action.producerId) };
    }
    case 'producerPaused': {
      const media = updateMedia(state.media, (m) => m.producerId === action.producerId, {
        paused: action.paused,
      });
      return media === state.media ? state : { ...state, media };
    }
    case 'consumed': {
      const media = updateMedia(state.media, (m) => m.producerId === action.producerId, {
        consumerId: action.consumerId,
        track: action.track,
      });
      return media === state.media ? state : { ...state, media };
    }
    case 'consumerClosed': {
      const media = updateMedia(state.media, (m) => m.consumerId === action.consumerId, {
        consumerId: null,
        track: null,
      });
      return media === state.media ? state : { ...state, media };
    }
    case 'activeSpeaker':
      return state.activeSpeakerId === action.memberId
        ? state
        : { ...state, activeSpeakerId: action.memberId };
    case 'local':
      return { ...state, local: { ...state.local, [action.source]: action.value } };
    case 'mediaStatus':
      if (state.phase.name !== 'joined' || state.phase.media === action.status) {
        return state;
      }
      return { ...state, phase: { name: 'joined', media: action.status } };
    case 'mediaReset':
      return {
        ...state,
        phase: state.phase.name === 'joined' ? { name: 'joined', media: 'reconnecting' } : state.phase,
        media: [],
      };
    case 'remoteProducers': {
      let media = state.media;
      for (const producer of action.producers) {
        media = addMedia(media, producer, selfId);
      }
      return media === state.media ? state : { ...state, media };
    }
    case 'ended':
      if (state.phase.name === 'ended') {
        return state;
      }
      return {
        ...state,
        phase: { name: 'ended', reason: action.reason, error: action.error },
        media: [],
        activeSpeakerId: null,
        local: initialMeetingState.local,
        lobby: [],
      };
    case 'sentToLobby':
      if (state.phase.name === 'ended') {
        return state;
      }
      return { ...initialMeetingState, phase: { name: 'waiting', reason: 'deliberation' } };
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

/** The display name of a member (self included), if known. */
export function displayNameOf(state: MeetingState, memberId: string): string | null {
  if (state.self?.memberId === memberId) {
    return state.self.displayName;
  }
  return state.members.find((m) => m.memberId === memberId)?.displayName ?? null;
}
