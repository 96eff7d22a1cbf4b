import { createHash } from 'node:crypto';
import { ProtocolError } from '@confidentiel/protocol';
import { conflict, forbidden, type CommitteeActor, type Plan, type Req, type Res } from './committeePlan.ts';
import { isSecretary } from './committeeRoles.ts';
import { itemOf, type CommitteeRoomState } from './CommitteeRoomState.ts';
import type { MinutesStore } from './MinutesStore.ts';

// The minutes of each agenda item: sealed by the secretary, stored in revisions, indexed by the room.

/** The minutes returned by getMinutes (the protocol's bound). */
const MAX_MINUTES_ITEMS = 100;

/** Where a meeting's minutes are kept. */
export interface MinutesOf {
  meetingId: string;
  minutesStore: MinutesStore;
}

export async function planSaveMinutes(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  request: Req<'saveMinutes'>,
  now: number,
  { meetingId, minutesStore }: MinutesOf,
): Promise<Plan<Res<'saveMinutes'>>> {
  if (!isSecretary(actor.role)) {
    throw forbidden('only the chair or a co-host (the secretary) can save minutes');
  }
  const { itemId, revision, sealed } = request;
  itemOf(state, itemId);
  const latest = await minutesStore.latestRevision(meetingId, itemId);
  if (revision !== latest + 1) {
    throw conflict(`revision ${revision} is stale: the latest is ${latest}, save ${latest + 1}`);
  }
  const sha256 = createHash('sha256').update(sealed, 'utf8').digest('hex');
  return {
    entries: [['minutes-saved', { itemId, revision, sha256, by: actor.memberId }]],
    apply: async () => {
      const saved = await minutesStore.save({
        meetingId,
        itemId,
        revision,
        sealed,
        sha256,
        savedAt: now,
      });
      if (!saved) {
        throw new ProtocolError('internal', 'the minutes changed while saving; reload them');
      }
      state.minutes.set(itemId, { revision, sha256 });
      return { revision, sha256 };
    },
  };
}

/** The latest minutes of the items on the agenda (journals nothing). */
export async function planGetMinutes(
  state: CommitteeRoomState,
  { meetingId, minutesStore }: MinutesOf,
): Promise<Plan<Res<'getMinutes'>>> {
  const stored = await minutesStore.latest(meetingId);
  const agenda = new Set(state.items.map((item) => item.itemId));
  const items = stored
    .filter((m) => agenda.has(m.itemId))
    .slice(0, MAX_MINUTES_ITEMS)
    .map(({ itemId, revision, sealed }) => ({ itemId, revision, sealed }));
  return { entries: [], apply: () => ({ items }) };
}
