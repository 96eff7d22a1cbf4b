import { describe, expect, it } from 'vitest';
import { Encoder, PacketType } from 'socket.io-parser';
import {
  decodeKeyPackage,
  decodeMessage,
  decodeWelcome,
  mlsSuite,
  parseMlsCredential,
} from '@confidentiel/e2ee/mls';
import { MAX_MLS_WELCOME_CHARS } from '@confidentiel/protocol';
import type { SectionResult } from '../src/core/figure.ts';
import { summarize } from '../src/core/stats.ts';
import { MemberPool } from '../src/sections/mls/members.ts';
import { pairwiseBaseline, pairwiseEnvelopes } from '../src/sections/mls/pairwise.ts';
import { DsRelay, type RelayedMessage } from '../src/sections/mls/relay.ts';
import { MlsRoomSim, spread } from '../src/sections/mls/roomSim.ts';
import { mlsRows } from '../src/sections/mls/rows.ts';
import { TYPICAL_ACK_ID } from '../src/sections/mls/wire.ts';

/** What socket.io-parser itself puts in the WebSocket frame (+1: Engine.IO's message type). */
function wireBytes(type: PacketType, data: unknown[], id?: number): number {
  const [text] = new Encoder().encode({ type, nsp: '/room', data, ...(id === undefined ? {} : { id }) });
  return 1 + Buffer.byteLength(text as string);
}
const request = (name: string, payload: unknown) =>
  wireBytes(PacketType.EVENT, [name, payload], TYPICAL_ACK_ID);
const ack = (data: unknown) => wireBytes(PacketType.ACK, [{ ok: true, data }], TYPICAL_ACK_ID);
const event = (name: string, payload: unknown) => wireBytes(PacketType.EVENT, [name, payload]);

function events(log: readonly RelayedMessage[], name: string): Array<readonly string[]> {
  return log.flatMap((m) => (m.kind === 'event' && m.name === name ? [m.recipients] : []));
}

async function roomOfTwo() {
  const context = { suite: await mlsSuite(), linkSecret: MemberPool.linkSecret() };
  const pool = await MemberPool.create(2, context);
  let ticks = 0;
  // Each measured step reads the meter twice: one tick per step, so every role shows it was measured.
  const room = await MlsRoomSim.build(pool.take(2), context, () => ticks++, 3);
  await room.settle();
  return { room, pool, host: room.hostId, member: room.sampledIds[0] as string };
}

describe('MLS simulation: what signaling relays', () => {
  it('a join into a room of 3: 2n+1 messages, the bytes of the real key package, commit and Welcome', async () => {
    const { room, pool, host, member } = await roomOfTwo();
    const newcomer = await pool.newcomer();
    const cost = await room.join(newcomer);
    const n = 3;
    expect(cost.n).toBe(n);
    const { traffic, wire } = cost;
    // The messages really are a key package of the newcomer, a commit and a Welcome.
    const claim = parseMlsCredential(decodeKeyPackage(wire.keyPackage as string)!.leafNode.credential);
    expect(claim?.memberId).toBe(newcomer.memberId);
    expect(decodeMessage(wire.commit)?.wireformat).toBe('mls_public_message');
    expect(decodeWelcome(wire.welcome as string)).toBeDefined();
    // Fan-out: the key package to everyone but the newcomer, the commit to everyone but the
    // committer (the newcomer included), the Welcome to the newcomer alone.
    expect(events(traffic.log, 'mlsKeyPackage')).toEqual([[host, member]]);
    expect(events(traffic.log, 'mlsCommit')).toEqual([[member, newcomer.memberId]]);
    expect(events(traffic.log, 'mlsWelcome')).toEqual([[newcomer.memberId]]);
    expect(traffic.messagesIn).toBe(2);
    expect(traffic.messagesOut).toBe(2 * (n - 1) + 1);
    // Bytes: socket.io-parser's own encoding of each message, once per recipient.
    const commitRequest = {
      epoch: 1,
      commit: wire.commit,
      welcome: wire.welcome,
      added: [newcomer.memberId],
    };
    expect(traffic.bytesIn).toBe(
      request('mlsJoin', { keyPackage: wire.keyPackage }) + request('mlsCommit', commitRequest),
    );
    expect(traffic.bytesOut).toBe(
      ack({ create: false, epoch: 1, keyPackages: [] }) +
        ack({ accepted: true, epoch: 2 }) +
        2 * event('mlsKeyPackage', { memberId: newcomer.memberId, keyPackage: wire.keyPackage }) +
        2 * event('mlsCommit', { from: host, epoch: 1, commit: wire.commit }) +
        event('mlsWelcome', { from: host, epoch: 2, welcome: wire.welcome }),
    );
    expect(traffic.overLimits).toEqual([]);
    // Every role was measured: the sampled member processed the commit, the newcomer joined.
    expect(cost.memberMs).toHaveLength(1);
    expect([cost.committerMs, cost.memberMs[0], cost.newcomerMs, cost.sframeMs]).toEqual([2, 1, 2, 1]);
    expect(cost.senders).toBe(n);
  });

  it('a leave from a room of 3: one commit in, n−2 out, to the members who stay only', async () => {
    const { room, pool, host, member } = await roomOfTwo();
    await room.join(await pool.newcomer());
    const cost = await room.leave();
    const { traffic, wire } = cost;
    expect(cost.n).toBe(3);
    expect(events(traffic.log, 'mlsCommit')).toEqual([[member]]);
    expect(events(traffic.log, 'mlsKeyPackage')).toEqual([]);
    expect([traffic.messagesIn, traffic.messagesOut]).toEqual([1, 1]);
    expect(traffic.bytesIn).toBe(request('mlsCommit', { epoch: 2, commit: wire.commit, added: [] }));
    expect(traffic.bytesOut).toBe(
      ack({ accepted: true, epoch: 3 }) + event('mlsCommit', { from: host, epoch: 2, commit: wire.commit }),
    );
    expect(cost.newcomerMs).toBeNull();
    expect(cost.senders).toBe(2);
    // A second join after the leave counts the same (the room is back to its shape).
    const again = await room.join(await pool.newcomer());
    expect([again.traffic.messagesIn, again.traffic.messagesOut]).toEqual([2, 5]);
  });

  it('reports a message over a protocol limit instead of dropping it', () => {
    const relay = new DsRelay();
    relay.fanOut(
      'mlsWelcome',
      { from: 'AAAAAAAAAAAAAAAA', epoch: 1, welcome: 'A'.repeat(MAX_MLS_WELCOME_CHARS + 1) },
      ['BBBBBBBBBBBBBBBB'],
    );
    const count = relay.take();
    expect(count.messagesOut).toBe(1);
    expect(count.overLimits.map((o) => o.message)).toEqual(['mlsWelcome event']);
    // The same Welcome at the limit passes.
    relay.fanOut(
      'mlsWelcome',
      { from: 'AAAAAAAAAAAAAAAA', epoch: 1, welcome: 'A'.repeat(MAX_MLS_WELCOME_CHARS) },
      ['BBBBBBBBBBBBBBBB'],
    );
    expect(relay.take().overLimits).toEqual([]);
    expect(relay.take().log).toEqual([]);
  });
});

describe('MLS simulation: rows next to the pairwise figures', () => {
  const keys: SectionResult = {
    id: 'keys',
    title: 'Key distribution',
    pinning: '',
    notes: [],
    ranAt: '2026-12-03T13:13:04.764Z',
    commit: 'abc1234',
    figures: [
      {
        id: 'keys.leave.envelopes.1000',
        label: 'x',
        unit: 'envelopes',
        ours: summarize([1_994_004]),
        better: 'lower',
      },
      {
        id: 'keys.leave.bytes.1000',
        label: 'x',
        unit: 'bytes',
        ours: summarize([1_994_004 * 500]),
        better: 'lower',
      },
      {
        id: 'keys.join.newcomerCpuMs.10',
        label: 'measured',
        unit: 'ms',
        ours: summarize([8]),
        better: 'lower',
      },
      {
        id: 'keys.join.newcomerCpuMs.1000',
        label: 'extrapolated, linear',
        unit: 'ms',
        ours: summarize([1000]),
        better: 'lower',
      },
    ],
    series: [
      {
        id: 'keys.cpuVsSize',
        title: '',
        xLabel: '',
        yLabel: '',
        points: [
          { series: 'Node: join', x: 10, y: 2 },
          { series: 'Node: join', x: 1000, y: 120 },
        ],
      },
    ],
  };

  it('takes the keys section’s bytes per envelope and says where each CPU figure comes from', () => {
    const baseline = pairwiseBaseline([keys])!;
    expect(baseline.bytesPerEnvelope).toBe(500);
    expect(baseline.cpu('newcomer', 10)).toEqual({ ms: 8, how: 'measured' });
    expect(baseline.cpu('newcomer', 1000)).toEqual({ ms: 1000, how: 'extrapolated' });
    expect(baseline.cpu('memberJoin', 1000)).toEqual({ ms: 120, how: 'measured once' });
    expect(baseline.cpu('memberLeave', 10)).toBeUndefined();
    expect(pairwiseBaseline([{ ...keys, error: 'failed' }])).toBeNull();
    expect([pairwiseEnvelopes('join', 100), pairwiseEnvelopes('leave', 100)]).toEqual([396, 19_404]);
  });

  it('puts a measured room next to the pairwise counts of the same size', async () => {
    const { room, pool } = await roomOfTwo();
    const join = await room.join(await pool.newcomer());
    const leave = await room.leave();
    const rows = mlsRows(
      {
        suite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
        runs: 1,
        samples: 1,
        poolSeconds: 0,
        seconds: 0,
        load: [0, 0],
        cpu: { user: 0, system: 0 },
        sizes: [{ n: 3, joins: [join], leaves: [leave], buildSeconds: 0 }],
      },
      pairwiseBaseline([keys]),
    );
    const [joinRow, leaveRow] = rows;
    expect(joinRow?.messages.median).toBe(7);
    expect(joinRow?.bytes.median).toBe(join.traffic.bytesIn + join.traffic.bytesOut);
    expect(joinRow?.pairwise).toMatchObject({ envelopes: 8, messages: 16, bytes: 4000 });
    expect(leaveRow?.pairwise).toMatchObject({ envelopes: 4, messages: 8, bytes: 2000 });
    expect(leaveRow?.newcomerMs).toBeNull();
  });

  it('spreads the sampled members over the tree', () => {
    expect(spread(998, 3)).toEqual([0, 499, 997]);
    expect(spread(2, 3)).toEqual([0, 1]);
    expect(spread(9, 1)).toEqual([4]);
  });
});
