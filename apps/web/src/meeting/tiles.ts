import type { MediaSource } from '@confidentiel/protocol';
import type { MeetingState, RemoteMedia } from '../media/meetingState.ts';

/** One tile of the grid: a member's camera, or a screen they share. */
export interface TileModel {
  key: string;
  memberId: string;
  displayName: string;
  source: 'camera' | 'screen';
  isSelf: boolean;
  isActiveSpeaker: boolean;
  videoTrack: MediaStreamTrack | null;
  /** Remote audio to play with this tile (never one's own). */
  audioTrack: MediaStreamTrack | null;
  /** No video to show: camera off, paused or not received yet. */
  videoOff: boolean;
  /** Microphone muted or absent (camera tiles only). */
  audioMuted: boolean;
}

function find(media: readonly RemoteMedia[], memberId: string, source: MediaSource): RemoteMedia | undefined {
  return media.find((m) => m.memberId === memberId && m.source === source);
}

/**
 * The tiles to show: shared screens first (they carry the content), then
 * one's own camera, then the others in the order they joined.
 */
export function selectTiles(state: MeetingState): TileModel[] {
  const self = state.self;
  if (!self) {
    return [];
  }
  const speaker = state.activeSpeakerId;
  const screens: TileModel[] = [];
  const cameras: TileModel[] = [];

  if (state.local.screen.active) {
    screens.push({
      key: `${self.memberId}:screen`,
      memberId: self.memberId,
      displayName: self.displayName,
      source: 'screen',
      isSelf: true,
      isActiveSpeaker: false,
      videoTrack: state.local.screen.track,
      audioTrack: null,
      videoOff: state.local.screen.track === null,
      audioMuted: true,
    });
  }
  cameras.push({
    key: `${self.memberId}:camera`,
    memberId: self.memberId,
    displayName: self.displayName,
    source: 'camera',
    isSelf: true,
    isActiveSpeaker: speaker === self.memberId,
    videoTrack: state.local.camera.track,
    audioTrack: null,
    videoOff: !state.local.camera.active || state.local.camera.track === null,
    audioMuted: !state.local.microphone.active,
  });

  for (const member of state.members) {
    const camera = find(state.media, member.memberId, 'camera');
    const microphone = find(state.media, member.memberId, 'microphone');
    cameras.push({
      key: `${member.memberId}:camera`,
      memberId: member.memberId,
      displayName: member.displayName,
      source: 'camera',
      isSelf: false,
      isActiveSpeaker: speaker === member.memberId,
      videoTrack: camera?.track ?? null,
      audioTrack: microphone?.track ?? null,
      videoOff: !camera || camera.paused || camera.track === null,
      audioMuted: !microphone || microphone.paused,
    });
    const screen = find(state.media, member.memberId, 'screen');
    if (screen) {
      const screenAudio = find(state.media, member.memberId, 'screen-audio');
      screens.push({
        key: `${member.memberId}:screen`,
        memberId: member.memberId,
        displayName: member.displayName,
        source: 'screen',
        isSelf: false,
        isActiveSpeaker: false,
        videoTrack: screen.track,
        audioTrack: screenAudio?.track ?? null,
        videoOff: screen.paused || screen.track === null,
        audioMuted: !screenAudio || screenAudio.paused,
      });
    }
  }
  return [...screens, ...cameras];
}

/** Initials for a tile without video ("Marie Curie" -> "MC"). */
export function initialsOf(displayName: string): string {
  const words = displayName.trim().split(/\s+/u).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]];
  return letters
    .map((word) => (word ? (Array.from(word)[0] ?? '') : ''))
    .join('')
    .toLocaleUpperCase();
}
