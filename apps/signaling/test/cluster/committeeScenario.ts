/**
 * The scenario of the committee property (committee-properties.test.ts): where each member first
 * connects, then up to MAX_STEPS committee requests, role changes and reconnections, as fast-check
 * draws them; and the values the steps send.
 */
import fc from 'fast-check';
import type { MemberRole } from '@confidentiel/protocol';

/** Steps per run after the arrivals: bounded so that ten runs take well under a minute. */
export const MAX_STEPS = 20;
/** Sealed minutes: opaque base64url to signaling. */
export const SEALED = 'c2VhbGVkLW1pbnV0ZXMtb2YtdGhlLWl0ZW0';
/** A well-formed vote id no vote has. */
export const UNKNOWN_VOTE = 'bm8tc3VjaC12b3RlLWF0LWFsbA';
/** Not one of the default options: the room refuses it (invalid-payload). */
export const BAD_CHOICE = 'peut-être';
export const OPTIONS = ['pour', 'contre', 'abstention'] as const;

/** The members of every run, in the order they arrive (the chair first: nobody waits for a host). */
export const CAST: readonly { name: string; role: MemberRole }[] = [
  { name: 'chair', role: 'host' },
  { name: 'secretary', role: 'co-host' },
  { name: 'alice', role: 'participant' },
  { name: 'bob', role: 'participant' },
  { name: 'carol', role: 'participant' },
  { name: 'olivier', role: 'observer' },
];

/** The six orders of three agenda items. */
export const ORDERS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
] as const;

/**
 * Who acts: mostly someone entitled to (the chair; a secretary for minutes; a moderator for a role
 * change; for a hand or a ballot, someone the model says may raise, lower or cast it now),
 * sometimes anyone, picked by `who` (modulo): then it may be refused. Without the bias most
 * sequences would be refusals.
 */
export interface ActorPick {
  entitled: boolean;
  who: number;
}

/** A step. `who`, `target` and `item` pick modulo the number of candidates. */
export type Action =
  | { kind: 'agendaOpen'; actor: ActorPick; item: number }
  | { kind: 'agendaClose'; actor: ActorPick; item: number; current: boolean }
  | { kind: 'agendaReorder'; actor: ActorPick; order: number; complete: boolean }
  | { kind: 'raiseHand'; actor: ActorPick }
  | { kind: 'lowerHand'; actor: ActorPick }
  | { kind: 'giveFloor'; actor: ActorPick; target: number }
  | { kind: 'withdrawFloor'; actor: ActorPick }
  | { kind: 'openVote'; actor: ActorPick; secret: boolean }
  | { kind: 'castVote'; actor: ActorPick; vote: VotePick; choice: number }
  | { kind: 'closeVote'; actor: ActorPick; vote: VotePick }
  | { kind: 'saveMinutes'; actor: ActorPick; item: number; stale: boolean }
  | { kind: 'setRecording'; actor: ActorPick; on: boolean }
  | { kind: 'setRole'; actor: ActorPick; target: number; role: 'co-host' | 'participant' | 'observer' }
  | { kind: 'rejoin'; who: number; node: number }
  | { kind: 'read'; who: number; what: 'committeeState' | 'getMinutes' };

/** Which vote a ballot or a closing names: the open one, the last closed one, or one that never was. */
export type VotePick = 'open' | 'closed' | 'unknown';

const index = fc.nat(20);
const node = fc.nat(2);
const mostly = (weight: number): fc.Arbitrary<boolean> =>
  fc.oneof({ weight, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const actor: fc.Arbitrary<ActorPick> = fc.record({ entitled: mostly(4), who: index });
const votePick: fc.Arbitrary<VotePick> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('open' as const) },
  { weight: 2, arbitrary: fc.constant('closed' as const) },
  { weight: 1, arbitrary: fc.constant('unknown' as const) },
);
const k = <K extends Action['kind']>(kind: K) => fc.constant(kind);

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: k('agendaOpen'), actor, item: index }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: k('agendaClose'), actor, item: index, current: mostly(3) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: k('agendaReorder'), actor, order: fc.nat(5), complete: mostly(3) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: k('raiseHand'), actor }) },
  { weight: 2, arbitrary: fc.record({ kind: k('lowerHand'), actor }) },
  { weight: 4, arbitrary: fc.record({ kind: k('giveFloor'), actor, target: index }) },
  { weight: 2, arbitrary: fc.record({ kind: k('withdrawFloor'), actor }) },
  { weight: 5, arbitrary: fc.record({ kind: k('openVote'), actor, secret: fc.boolean() }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: k('castVote'),
      actor,
      vote: votePick,
      // 0..2: an option; 3: not one (refused).
      choice: fc.oneof({ weight: 6, arbitrary: fc.nat(2) }, { weight: 1, arbitrary: fc.constant(3) }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: k('closeVote'), actor, vote: votePick }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: k('saveMinutes'), actor, item: index, stale: mostly(3).map((b) => !b) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: k('setRecording'), actor, on: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: k('setRole'),
      actor,
      target: index,
      role: fc.constantFrom('co-host' as const, 'participant' as const, 'observer' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: k('rejoin'), who: index, node }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: k('read'),
      who: index,
      what: fc.constantFrom('committeeState' as const, 'getMinutes' as const),
    }),
  },
);

export const scenarioArb = fc.record({
  /** The chair's node (the meeting's owner: the first arrival's); the others follow round the nodes. */
  offset: node,
  actions: fc.array(actionArb, { minLength: Math.ceil(MAX_STEPS / 2), maxLength: MAX_STEPS, size: 'max' }),
});
export type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;
