import type { CommitteeState } from '@confidentiel/protocol';

/** What « next item » does now: open the item after the current one, or close the last one. */
export type NextItemStep = { kind: 'open'; itemId: string } | { kind: 'close'; itemId: string } | null;

/**
 * The chair's « next item »: from the current item to the one after it in the
 * agenda's order (the server closes the current one when another opens); with
 * none open, the first item not yet examined; on the last item, closing it.
 * Null when there is nothing left to do.
 */
export function nextItemStep(committee: Pick<CommitteeState, 'agenda' | 'currentItemId'>): NextItemStep {
  const { agenda, currentItemId } = committee;
  if (currentItemId === null) {
    const pending = agenda.find((item) => item.status === 'pending');
    return pending ? { kind: 'open', itemId: pending.itemId } : null;
  }
  const index = agenda.findIndex((item) => item.itemId === currentItemId);
  const after = index < 0 ? undefined : agenda[index + 1];
  return after ? { kind: 'open', itemId: after.itemId } : { kind: 'close', itemId: currentItemId };
}
