import { describe, expect, it } from 'vitest';
import { totpCode } from '../src/sections/join/organiser.ts';
import { phaseMedians } from '../src/sections/join/phases.ts';
import type { ProbeSnapshot } from '../src/sections/join/pages.ts';
import { firstDecoded, medianTimeline, pollResolution, timeline } from '../src/sections/join/timeline.ts';

function snapshot(marks: Array<[string, number]>, first: ProbeSnapshot['first'] = {}, polls: number[] = []) {
  return { marks: marks.map(([name, t]) => ({ name, t })), first, polls };
}

describe('join timeline', () => {
  const t0 = 1_000;
  const joiner = snapshot(
    [
      ['click:join', 1_000],
      ['worker:created', 1_010],
      ['worker:ready', 1_100],
      ['token:start', 1_101],
      ['token:end', 1_130],
      ['sio:connected', 1_180],
      ['ack:join', 1_200],
      ['ack:createTransport', 1_300],
      ['ack:createTransport', 1_320],
      ['ack:consume', 1_350],
      ['ack:consume', 1_370],
      ['ack:resumeConsumer', 1_500],
      ['key:receiver:member', 1_250],
      ['ack:consume', 9_000],
    ],
    { member: { packet: 1_540, frame: 1_560 } },
    [1_000, 1_020, 1_041, 1_060],
  );
  const member = snapshot([['ev:memberJoined', 1_205]], { joiner: { frame: 1_800 } });

  it('puts every step in ms since the click, the last consume before the first frame', () => {
    const t = timeline({ t0, joiner, member, joinerId: 'joiner', memberId: 'member', admitted: false });
    expect(t.tokenStart).toBe(101);
    expect(t.transports).toBe(320);
    expect(t.consume).toBe(370);
    expect(t.frame).toBe(560);
    expect(t.peerFrame).toBe(800);
    expect(t.peerSeesJoin).toBe(205);
    // Not in the marks (E2EE off, or a step that did not happen): NaN, left out of medians.
    expect(Number.isNaN(t.senderKey)).toBe(true);
  });

  it('takes the first decoded frame as the earlier of its two bounds (poll, video callback)', () => {
    expect(firstDecoded({ frame: 1_560, decoded: 1_530, presented: 1_545 })).toBe(1_530);
    expect(firstDecoded({ frame: 1_560 })).toBe(1_560);
    expect(firstDecoded({ decoded: 1_700 })).toBe(1_700);
    expect(Number.isNaN(firstDecoded(undefined))).toBe(true);
  });

  it('takes the join answer from the admitted event through a lobby', () => {
    const lobby = snapshot([['ev:admitted', 1_030]]);
    const t = timeline({ t0, joiner: lobby, member, joinerId: 'joiner', memberId: 'member', admitted: true });
    expect(t.join).toBe(30);
  });

  it('gives medians of steps and phases over joins, and the poll resolution', () => {
    const a = timeline({ t0, joiner, member, joinerId: 'joiner', memberId: 'member', admitted: false });
    const b = { ...a, frame: 760, tokenStart: Number.NaN };
    expect(medianTimeline([a, b]).frame).toBe(660);
    expect(medianTimeline([a, b]).tokenStart).toBe(101);
    const phases = phaseMedians([a]);
    expect(phases.get('session')).toBe(101);
    expect(phases.get('frame')).toBe(60);
    expect(pollResolution(joiner)).toBe(20);
  });
});

describe('one-time codes for the organiser', () => {
  it('match RFC 6238 (SHA-1 test vector, 6 digits)', () => {
    // Secret "12345678901234567890" in base32; T = 59 s gives 94287082 (8 digits), so 287082.
    expect(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
    expect(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1_111_111_109_000)).toBe('081804');
  });
});
