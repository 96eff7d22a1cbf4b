import { describe, expect, it } from 'vitest';
import { ownCpuMs } from '../src/core/cpu.ts';
import { runFocal } from '../src/sections/keys/focal.ts';
import { fitPolynomial } from '../src/sections/keys/model.ts';
import { TrafficCounter } from '../src/sections/keys/traffic.ts';

describe('growth models', () => {
  it('finds the protocol counts exactly: 4(n−1) per join, 2(n−1)(n−2) per leave', () => {
    const sizes = [10, 25, 50, 100];
    const join = fitPolynomial(
      sizes,
      sizes.map((n) => 4 * (n - 1)),
      1,
    );
    const leave = fitPolynomial(
      sizes,
      sizes.map((n) => 2 * (n - 1) * (n - 2)),
      2,
    );
    expect(join.at(1000)).toBeCloseTo(3996, 6);
    expect(leave.at(1000)).toBeCloseTo(1_994_004, 3);
    expect(leave.worstRelativeError).toBeLessThan(1e-9);
    expect(join.text).toBe('4.00 n − 4.00');
    expect(leave.text).toBe('2.00 n^2 − 6.00 n + 4.00');
  });

  it('refuses a fit with too few points', () => {
    expect(() => fitPolynomial([1, 2], [1, 4], 2)).toThrow(TypeError);
  });
});

describe('focal room (real KeyManager, in process)', () => {
  it('sends what the protocol says on a join and a leave', async () => {
    const n = 6;
    const result = await runFocal(n, ownCpuMs);
    // The newcomer: a key to each of the n−1 and an acknowledgement of each of theirs.
    expect(result.newcomerJoin.sent).toBe(2 * (n - 1));
    expect(result.newcomerJoin.received).toBe(2 * (n - 1));
    // A member already there: its ratcheted key to the newcomer, and an acknowledgement.
    expect(result.memberJoin.sent).toBe(2);
    expect(result.joinEnvelopes).toBe(4 * (n - 1));
    // A member that stays: a fresh key to each of the n−2 others, and their acknowledgements.
    expect(result.memberLeave.sent).toBe(2 * (n - 2));
    expect(result.leaveEnvelopes).toBe(2 * (n - 1) * (n - 2));
    expect(result.newcomerJoin.cpuMs).toBeGreaterThan(0);
  });
});

describe('key traffic counter', () => {
  it('counts relayKey requests, their acknowledgements and keyEnvelope events, and nothing else', () => {
    const listeners = new Map<string, (packet: { type: string; data?: unknown }) => void>();
    const socket = {
      io: {
        engine: {
          on: (event: string, listener: (packet: { type: string; data?: unknown }) => void) =>
            listeners.set(event, listener),
        },
      },
    };
    const counter = new TrafficCounter();
    counter.attach(socket as never);
    const out = listeners.get('packetCreate')!;
    const incoming = listeners.get('packet')!;
    const request = '2/room,7["relayKey",{"to":"abc","envelope":"xyz"}]';
    out({ type: 'message', data: request });
    out({ type: 'message', data: '2/room,8["join",{}]' });
    incoming({ type: 'message', data: '3/room,7[{"ok":true,"data":{}}]' });
    incoming({ type: 'message', data: '3/room,8[{"ok":true,"data":{}}]' });
    incoming({ type: 'message', data: '2/room,["keyEnvelope",{"from":"abc","envelope":"xyz"}]' });
    incoming({ type: 'pong' });
    const traffic = counter.reset();
    expect(traffic.bytesToServer).toBe(request.length + 1);
    expect(traffic.envelopesIn).toBe(1);
    expect(traffic.bytesFromServer).toBe(
      '3/room,7[{"ok":true,"data":{}}]'.length +
        1 +
        '2/room,["keyEnvelope",{"from":"abc","envelope":"xyz"}]'.length +
        1,
    );
    expect(traffic.otherBytes).toBe(
      '2/room,8["join",{}]'.length + 1 + '3/room,8[{"ok":true,"data":{}}]'.length + 1,
    );
    expect(counter.traffic.envelopesIn).toBe(0);
  });
});
