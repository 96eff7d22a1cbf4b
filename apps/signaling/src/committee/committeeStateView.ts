import type { CommitteeState } from '@confidentiel/protocol';
import type { CommitteeRoomState } from './CommitteeRoomState.ts';
import { openVoteOf } from './votes.ts';

/** The whole state of a committee room as broadcast after every change: copies, never the room's own objects. */
export function committeeStateOf(state: CommitteeRoomState): CommitteeState {
  const vote = state.vote;
  return {
    agenda: state.items.map((item) => ({
      itemId: item.itemId,
      title: item.title,
      presenter: item.presenter,
      plannedMinutes: item.plannedMinutes,
      notes: item.notes,
      status: item.status,
      elapsedMs: item.elapsedMs,
      speakingMs: Object.fromEntries(item.speakingMs),
    })),
    currentItemId: state.current?.itemId ?? null,
    currentSince: state.currentSince,
    floor: {
      speaker: state.speaker,
      since: state.speakerSince,
      queue: [...state.queue],
      history: state.history.map((turn) => ({ ...turn })),
    },
    freeDiscussion: state.freeDiscussion,
    vote: vote === null ? null : openVoteOf(vote),
    results: state.results.map((result) => structuredClone(result)),
    recording: {
      on: state.recording !== null,
      since: state.recording?.since ?? null,
      recordingId: state.recording?.recordingId ?? null,
    },
    minutes: Object.fromEntries([...state.minutes].map(([itemId, m]) => [itemId, { ...m }])),
    attendance: state.attendance.map((span) => ({ ...span })),
  };
}
