/** The signaling section's notes: how it was measured, and why the figures are what they are. */
import { median, summarize } from '../../core/stats.ts';
import type { SignalingRuns } from './runs.ts';
import type { Measured } from './measure.ts';
import { describeShares, type ProfileShare } from './profile.ts';
import { P99_BOUND_MS, RAMP_RATES } from './ramp.ts';

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function med(list: readonly Measured[], value: (m: Measured) => number): number {
  return summarize(list.map(value)).median;
}

function cpuOf(part: string): (m: Measured) => number {
  return (m) => m.cpuPerJoin.get(part) ?? Number.NaN;
}

function stepMedians(list: readonly Measured[]): string {
  const all = list.flatMap((m) => m.load.steps);
  if (all.length === 0) {
    return 'no join succeeded';
  }
  const step = (pick: (s: (typeof all)[number]) => number): string => fmt(median(all.map(pick)), 1);
  return `token ${step((s) => s.token)} ms, Socket.IO handshake ${step((s) => s.connect)} ms, join ${step((s) => s.join)} ms, both transports ${step((s) => s.transports)} ms`;
}

/** What would close the gap, for each cause the profile shows. */
function remedies(groups: readonly ProfileShare[], functions: readonly ProfileShare[]): string[] {
  const out: string[] = [];
  const zod = groups.find((g) => g.group === 'zod');
  if (zod && zod.share >= 0.05 && (zod.callers ?? []).some((c) => /parseAck|ackSchema/.test(c.name))) {
    out.push(
      `zod is called mostly from packages/protocol/src/rpc.ts parseAck, which builds a new schema (ackSchema) for every ` +
        `acknowledgement of the SFU; zod 4 sets up and compiles each new object schema on first use. Building the ` +
        `acknowledgement schema once per request name (a Map in rpc.ts) removes most of that share.`,
    );
  }
  if (functions.some((f) => f.group.startsWith('#replicate'))) {
    out.push(
      `MeetingHost.#replicate (apps/signaling/src/cluster/MeetingHost.ts) runs at every change of a room, scans every ` +
        `member hosted on the node to find the room's, and JSON-serialises their records even on one node without ` +
        `Redis (NoSessionRecords): its cost grows with the node's members, not the room's. Indexing members by room and ` +
        `skipping the serialisation when there is no replica would close it.`,
    );
  }
  const writes = groups.find((g) => g.group.startsWith('writev') && g.group.includes('ws'));
  if (writes && (writes.callers ?? []).some((c) => c.name.includes('SfuConnection'))) {
    out.push(
      `Time inside writev from ws is mostly requests to the SFU (SfuConnection.request): a join and its leave make ` +
        `four round trips to the SFU (getRouterRtpCapabilities, createWebRtcTransport twice, closeMember), each a ` +
        `loopback write that wakes the SFU on the same core; the profile counts the time signaling waits preempted ` +
        `there, the system CPU above is its real kernel cost. Fewer round trips (the router's RTP capabilities kept ` +
        `per room, both transports made in one request) would cut both.`,
    );
  }
  return out;
}

/** "Redis commands per join: one node 41 (EVALSHA 12, ...), two nodes 55 (...)", from INFO commandstats. */
function redisPerJoin(
  one: readonly Measured[],
  two: readonly Measured[],
  idlePerSecond: number | null,
  rate: number,
): string | null {
  const describe = (list: readonly Measured[]): string | null => {
    const names = new Set(list.flatMap((m) => [...(m.countersPerJoin?.keys() ?? [])]));
    if (names.size === 0) {
      return null;
    }
    const perName = [...names]
      .map((name) => [name, med(list, (m) => m.countersPerJoin?.get(name) ?? 0)] as const)
      .filter(([, count]) => count >= 0.05)
      .sort((a, b) => b[1] - a[1]);
    const total = perName.reduce((sum, [, count]) => sum + count, 0);
    const top = perName
      .slice(0, 6)
      .map(([name, count]) => `${name} ${fmt(count, 1)}`)
      .join(', ');
    return `${fmt(total, 1)} (${top})`;
  };
  const a = describe(one);
  const b = describe(two);
  return a && b
    ? `Redis commands per join (INFO commandstats; leases, room state, session records, the Socket.IO adapter's ` +
        `PUBLISH of every room event and the node bus): one node ${a}; two nodes ${b}` +
        (idlePerSecond !== null
          ? ` (with no load the cluster makes ${fmt(idlePerSecond, 0)} commands per second, ${fmt(idlePerSecond / rate, 1)} per join at ${rate}/s)`
          : '') +
        `. The single node above keeps that state in its memory and makes none of these round trips.`
    : null;
}

export function signalingNotes(runs: SignalingRuns, rate: number, dwellMs: number): string[] {
  const notes: string[] = [];
  notes.push(
    `How: Socket.IO bots (socket.io-client, in the bench process on the load core) do the browser's join: ` +
      `POST /api/meetings/:id/join-tokens (open meeting) → /room handshake (websocket, token) → join (identity public ` +
      `keys; the answer carries the router's RTP capabilities) → createTransport send and recv at once, as ` +
      `MediaTransports.build does. No DTLS: connectTransport comes with the first media, and bots have none. Leave: ` +
      `\`leave\`, then the socket closes. Open loop: ${runs.joinsPerRun} arrivals per run at ${rate}/s, evenly spaced, ` +
      `filling rooms of 4 to 10 in turn (7 on average); each member stays ${dwellMs / 1000} s. Latency runs from the ` +
      `scheduled arrival (no coordinated omission) to both transports made. CPU from /proc over the whole run: a ` +
      `join's share includes its leave and the memberJoined/memberLeft events the room hears; the SFU is its process ` +
      `and its mediasoup worker. Meetings are made beforehand (the organiser's act). Each bot comes from its own ` +
      `loopback address, as distinct people do: signaling's per-address limit (60 connections per 10 s) would ` +
      `otherwise cap one address at 6 joins/s. E2EE key envelopes are not relayed here (see the keys section: a join ` +
      `into a room of n adds 4(n−1) relayed envelopes).`,
  );
  if (runs.ours.length > 0) {
    const sig = med(runs.ours, cpuOf('signaling'));
    const sfu = med(runs.ours, cpuOf('SFU'));
    notes.push(
      `At ${rate} joins/s: signaling ${fmt(sig)} ms CPU per join (user ${fmt(med(runs.ours, (m) => m.userPerJoin))}, ` +
        `system ${fmt(med(runs.ours, (m) => m.systemPerJoin))}), SFU ${fmt(sfu)} ms; the bare Socket.IO server ` +
        `${fmt(med(runs.bare, cpuOf('signaling')))} ms for the same exchanges. Median steps of a join: ` +
        `${stepMedians(runs.ours)} (bare server: ${stepMedians(runs.bare)}). The bots cost ` +
        `${fmt(med(runs.ours, (m) => m.load.loadCpuMs / Math.max(1, m.joined)))} ms of the load core per join.`,
    );
    notes.push(
      `Reference: a bare Socket.IO server (echoServer.ts, same socket.io version, pinned like signaling) answers the ` +
        `same HTTP request and the same three acknowledged requests at once: the transport's own cost and latency on ` +
        `this machine; what signaling takes beyond it is its own work (token check, validation, room state, the SFU).` +
        (runs.idle
          ? ` With no load, signaling spends ${fmt(runs.idle.get('signaling') ?? Number.NaN)} ms of CPU per second and the SFU ${fmt(runs.idle.get('SFU') ?? Number.NaN)} (counted in the figures as they are in production).`
          : ''),
    );
  }
  if (runs.ramps.length > 0) {
    const max = summarize(runs.ramps.map((r) => r.maxRate));
    const sig = med(runs.ours, cpuOf('signaling'));
    const sfu = med(runs.ours, cpuOf('SFU'));
    const bound = 1000 / (sig + sfu);
    const generator = runs.ramps.filter((r) => r.generatorBound).length;
    notes.push(
      `Joins per second: open-loop steps at ${RAMP_RATES.join(', ')} joins/s (members stay 0.3 s), stopping at the ` +
        `first step whose p99 passes ${P99_BOUND_MS} ms or with more than 1% failed; median ${fmt(max.median, 0)} ` +
        `(min ${fmt(max.min, 0)}, max ${fmt(max.max, 0)}). Signaling and the SFU share one core: their CPU per join ` +
        `bounds it at ~${fmt(bound, 0)} joins/s if that core did nothing else. ` +
        (generator > 0
          ? `In ${generator} of ${runs.ramps.length} ramps the load core was ≥ 90% busy at the failing step: the bots may have set that limit.`
          : `The load core stayed below 90% busy at the failing steps: the server set the limit.`),
    );
  }
  const profiled = runs.profiled;
  if (profiled) {
    const { summary, measured } = profiled;
    notes.push(
      `Profile (node --cpu-prof of signaling, one extra run of ${measured.joined} joins at ${rate}/s, load window ` +
        `only; shares of sampled time, packages charged with the app function that called them): ` +
        `${describeShares(summary.groups, measured.joined, 'join')}. Heaviest functions: ` +
        `${describeShares(summary.functions, measured.joined, 'join')}.`,
    );
    const cpu = med(runs.ours, cpuOf('signaling'));
    if (cpu >= 5) {
      const fixes = remedies(summary.groups, summary.functions);
      notes.push(
        `Behind the target (< 5 ms per join): ${fmt(cpu)} ms. ` +
          (fixes.length > 0 ? fixes.join(' ') : 'The profile above shows no single dominant cause.'),
      );
    }
  }
  if (runs.one.length > 0 && runs.two.length > 0) {
    notes.push(
      `One node vs two nodes: the cluster tests' harness (tests/support/cluster.ts: Redis, PostgreSQL, one SFU, two ` +
        `signaling nodes; every process moved to the system-under-test core, logs at warn); bots reach the nodes ` +
        `directly (nginx's cost left out): "one node" sends every join to node-1, "two nodes" alternates them as the ` +
        `proxy's round robin does, so about half of a meeting's members enter through the node that does not own it ` +
        `and are served over the node bus. Same load on both (${runs.clusterJoins} joins at ${runs.clusterRate}/s: at ` +
        `${rate}/s the one core holding both nodes, Redis, PostgreSQL and the SFU saturates and p99 measures the queue), ` +
        `runs interleaved. ` +
        `Signaling CPU per join (both nodes): one ${fmt(med(runs.one, cpuOf('signaling')))} ms, two ` +
        `${fmt(med(runs.two, cpuOf('signaling')))} ms; Redis + PostgreSQL ${fmt(med(runs.one, cpuOf('Redis + PostgreSQL')))} / ` +
        `${fmt(med(runs.two, cpuOf('Redis + PostgreSQL')))} ms; SFU ${fmt(med(runs.one, cpuOf('SFU')))} / ` +
        `${fmt(med(runs.two, cpuOf('SFU')))} ms; p99 ${fmt(
          med(runs.one, (m) => m.p99),
          0,
        )} / ` +
        `${fmt(
          med(runs.two, (m) => m.p99),
          0,
        )} ms.` +
        (runs.clusterIdle
          ? ` With no load the two nodes spend ${fmt(runs.clusterIdle.get('signaling') ?? Number.NaN)} ms of CPU per second and Redis + PostgreSQL ${fmt(runs.clusterIdle.get('Redis + PostgreSQL') ?? Number.NaN)} (leases, liveness, sessions saved ahead every second).`
          : '') +
        ` On this machine both nodes share one core: the second node adds no ` +
        `capacity here, so the ratio is the cost of spreading a meeting over two nodes, not the gain of a second machine.`,
    );
    const commands = redisPerJoin(runs.one, runs.two, runs.clusterIdleCommands, runs.clusterRate);
    if (commands) {
      notes.push(commands);
    }
  } else if (runs.clusterError) {
    notes.push(`One node vs two nodes on Redis: not measured this time (${runs.clusterError}).`);
  }
  return notes;
}
