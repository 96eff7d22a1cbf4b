/**
 * Where the time of one join goes: the probe's marks of the joiner and of
 * the member already in the meeting, as milliseconds since the click, in the
 * order the steps happen. A step that did not happen (no key in the E2EE-off
 * build) is NaN and left out of the medians.
 */
import { median } from '../../core/stats.ts';
import type { FirstMedia, PageMark } from './probe.ts';
import type { ProbeSnapshot } from './pages.ts';

/** The steps reported, in order; `who` says whose page time-stamps them. */
export const STEPS = [
  { key: 'workerCreated', who: 'joiner', label: 'E2EE worker created (identity keys made)' },
  { key: 'worker', who: 'joiner', label: 'E2EE worker ready (its script loaded and run)' },
  { key: 'tokenStart', who: 'joiner', label: 'room token asked (E2EE session done)' },
  { key: 'token', who: 'joiner', label: 'room token received (HTTP)' },
  { key: 'socket', who: 'joiner', label: 'Socket.IO connected' },
  { key: 'join', who: 'joiner', label: 'join answer (or admitted)' },
  { key: 'transports', who: 'joiner', label: 'both transports created (after device load)' },
  { key: 'consume', who: 'joiner', label: "consume of the other's tracks answered" },
  { key: 'recvConnected', who: 'joiner', label: 'receive transport connected (ICE + DTLS)' },
  { key: 'resume', who: 'joiner', label: "resumeConsumer of the other's tracks answered" },
  { key: 'packet', who: 'joiner', label: "first packet of the other's camera (getStats poll)" },
  { key: 'keyEnvelope', who: 'joiner', label: "the other's key envelope arrived" },
  { key: 'key', who: 'joiner', label: "the other's key installed in the worker" },
  { key: 'frame', who: 'joiner', label: "first frame of the other's camera decoded" },
  {
    key: 'shown',
    who: 'joiner',
    label: "first frame of the other's camera shown (requestVideoFrameCallback)",
  },
  { key: 'produceFirst', who: 'joiner', label: 'own microphone produced (first produce answer)' },
  { key: 'produce', who: 'joiner', label: 'own camera produced (second produce answer)' },
  { key: 'sendConnected', who: 'joiner', label: 'send transport connected' },
  { key: 'senderKey', who: 'joiner', label: 'own sender key installed' },
  { key: 'peerSeesJoin', who: 'member', label: 'member: joiner announced (memberJoined)' },
  { key: 'peerProducer', who: 'member', label: "member: joiner's tracks announced (producerAdded)" },
  { key: 'peerConsume', who: 'member', label: "member: consume of the joiner's tracks answered" },
  { key: 'peerPacket', who: 'member', label: "member: first packet of the joiner's camera (getStats poll)" },
  { key: 'peerKey', who: 'member', label: "member: joiner's key installed" },
  { key: 'peerFrame', who: 'member', label: "member: first frame of the joiner's camera decoded" },
  { key: 'peerShown', who: 'member', label: "member: first frame of the joiner's camera shown" },
] as const;

export type StepKey = (typeof STEPS)[number]['key'];
export type Timeline = Record<StepKey, number>;

function firstAfter(marks: readonly PageMark[], name: string, t0: number): number {
  const found = marks.find((m) => m.name === name && m.t >= t0);
  return found ? found.t : Number.NaN;
}

/** The n-th mark of `name` after t0 (1-based), or the last one if there are fewer. */
function nthAfter(marks: readonly PageMark[], name: string, t0: number, n: number): number {
  const found = marks.filter((m) => m.name === name && m.t >= t0);
  return found.length === 0 ? Number.NaN : (found[Math.min(n, found.length) - 1] as PageMark).t;
}

/** The last mark of `name` in [t0, until]. */
function lastWithin(marks: readonly PageMark[], name: string, t0: number, until: number): number {
  const found = marks.filter((m) => m.name === name && m.t >= t0 && m.t <= until);
  return found.length === 0 ? Number.NaN : (found[found.length - 1] as PageMark).t;
}

export interface TimelineInput {
  /** The click (join or admit), wall clock ms. */
  t0: number;
  joiner: ProbeSnapshot;
  member: ProbeSnapshot;
  joinerId: string;
  memberId: string;
  /** A lobby admission: the join answer is the `admitted` event. */
  admitted: boolean;
}

/**
 * When a first frame was decoded, at the latest: the getStats poll that saw framesDecoded > 0,
 * or the decode end of the first frame the <video> showed, whichever is earlier (both bound it).
 */
export function firstDecoded(media: FirstMedia | undefined): number {
  const bounds = [media?.frame, media?.decoded].filter(
    (t): t is number => t !== undefined && Number.isFinite(t),
  );
  return bounds.length === 0 ? Number.NaN : Math.min(...bounds);
}

export function timeline(input: TimelineInput): Timeline {
  const { t0, joiner, member, joinerId, memberId } = input;
  const j = joiner.marks;
  const m = member.marks;
  const frame = firstDecoded(joiner.first[memberId]);
  const peerFrame = firstDecoded(member.first[joinerId]);
  const end = Number.isFinite(frame) ? frame : Number.POSITIVE_INFINITY;
  const peerEnd = Number.isFinite(peerFrame) ? peerFrame : Number.POSITIVE_INFINITY;
  const since = (t: number): number => t - t0;
  return {
    workerCreated: since(firstAfter(j, 'worker:created', t0)),
    worker: since(firstAfter(j, 'worker:ready', t0)),
    tokenStart: since(firstAfter(j, 'token:start', t0)),
    token: since(firstAfter(j, 'token:end', t0)),
    socket: since(firstAfter(j, 'sio:connected', t0)),
    join: since(input.admitted ? firstAfter(j, 'ev:admitted', t0) : firstAfter(j, 'ack:join', t0)),
    transports: since(nthAfter(j, 'ack:createTransport', t0, 2)),
    consume: since(lastWithin(j, 'ack:consume', t0, end)),
    recvConnected: since(firstAfter(j, 'recv:connected', t0)),
    resume: since(lastWithin(j, 'ack:resumeConsumer', t0, end)),
    packet: since(joiner.first[memberId]?.packet ?? Number.NaN),
    keyEnvelope: since(firstAfter(j, 'ev:keyEnvelope', t0)),
    key: since(firstAfter(j, `key:receiver:${memberId}`, t0)),
    frame: since(frame),
    shown: since(joiner.first[memberId]?.presented ?? Number.NaN),
    produceFirst: since(nthAfter(j, 'ack:produce', t0, 1)),
    produce: since(nthAfter(j, 'ack:produce', t0, 2)),
    sendConnected: since(firstAfter(j, 'send:connected', t0)),
    senderKey: since(firstAfter(j, 'key:sender', t0)),
    peerSeesJoin: since(firstAfter(m, 'ev:memberJoined', t0)),
    peerProducer: since(lastWithin(m, 'ev:producerAdded', t0, peerEnd)),
    peerConsume: since(lastWithin(m, 'ack:consume', t0, peerEnd)),
    peerPacket: since(member.first[joinerId]?.packet ?? Number.NaN),
    peerKey: since(firstAfter(m, `key:receiver:${joinerId}`, t0)),
    peerFrame: since(peerFrame),
    peerShown: since(member.first[joinerId]?.presented ?? Number.NaN),
  };
}

/** The median of each step over several joins (NaN where no join had it). */
export function medianTimeline(timelines: readonly Timeline[]): Timeline {
  const result = {} as Timeline;
  for (const { key } of STEPS) {
    const values = timelines.map((t) => t[key]).filter((v) => Number.isFinite(v));
    result[key] = values.length === 0 ? Number.NaN : median(values);
  }
  return result;
}

/** Median spacing of the getStats polls: the resolution of the first-frame times. */
export function pollResolution(snapshot: ProbeSnapshot): number {
  const gaps: number[] = [];
  for (let i = 1; i < snapshot.polls.length; i++) {
    gaps.push((snapshot.polls[i] as number) - (snapshot.polls[i - 1] as number));
  }
  return gaps.length === 0 ? Number.NaN : median(gaps);
}
