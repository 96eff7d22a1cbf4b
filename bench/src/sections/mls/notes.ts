/** The mls section's notes: how it was measured, what the sizes are made of, what is behind and why. */
import { formatNumber } from '../../core/report.ts';
import type { MlsMeasurement } from './report.ts';
import { mlsRows, type MlsRow } from './rows.ts';
import { PQ_SUITE, type MlsSimulation } from './simulate.ts';
import { formatBytes } from './table.ts';

/** base64url characters → bytes of the MLS message they carry. */
const bytesOf = (chars: number | null): number | null =>
  chars === null ? null : Math.floor((chars * 3) / 4);

function sizesText(rows: readonly MlsRow[]): string {
  const joins = rows.filter((r) => r.event === 'join');
  const leave = (n: number) => rows.find((r) => r.event === 'leave' && r.n === n);
  return joins
    .map(
      (join) =>
        `${join.n}: key package ${formatBytes(bytesOf(join.chars.keyPackage))}, Add commit ` +
        `${formatBytes(bytesOf(join.chars.commit))}, Welcome ${formatBytes(bytesOf(join.chars.welcome))}, ` +
        `Remove commit ${formatBytes(bytesOf(leave(join.n)?.chars.commit ?? null))}`,
    )
    .join('; ');
}

/** Bytes per member the Remove commit grows by, between the smallest and the largest room. */
function removeGrowth(rows: readonly MlsRow[]): string {
  const leaves = rows.filter((r) => r.event === 'leave').sort((a, b) => a.n - b.n);
  const small = leaves[0];
  const large = leaves[leaves.length - 1];
  if (!small || !large || large.n === small.n) {
    return '';
  }
  const perMember =
    ((bytesOf(large.chars.commit) ?? 0) - (bytesOf(small.chars.commit) ?? 0)) / (large.n - small.n);
  return ` (about ${formatNumber(perMember)} bytes more per member)`;
}

/** Where a join's bytes go, in the largest room: each message kind's share, in + out. */
function joinBreakdown(simulation: MlsSimulation): string {
  const size = simulation.sizes[simulation.sizes.length - 1];
  const join = size?.joins[0];
  if (!size || !join) {
    return '';
  }
  const byMessage = new Map<string, number>();
  for (const message of join.traffic.log) {
    // A request and its acknowledgement together; an event's copies together.
    const key = message.kind === 'event' ? `${message.name} events` : `${message.name} request`;
    const copies = message.kind === 'event' ? message.recipients.length : 1;
    byMessage.set(key, (byMessage.get(key) ?? 0) + message.bytes * copies);
  }
  const parts = [...byMessage].map(([key, bytes]) => `${key} ${formatBytes(bytes)}`).join(', ');
  return ` In the room of ${size.n} a join's bytes are: ${parts} (the mlsCommit request carries the Welcome).`;
}

function method(main: MlsSimulation): string {
  return (
    `How: no browser, no server: the product's MLS code (@confidentiel/e2ee/mls on ts-mls 1.6.4, suite ` +
    `${main.suite}) in one Node process. Every member has a real identity (createLocalIdentity, with the invite ` +
    `link's MAC) and a real key package (our credential, signed by the identity key). A room of n−1 is built by ` +
    `the host in one commit adding every key package, ${main.samples} members spread over the tree join from its ` +
    `Welcome, and the host makes one commit with an UpdatePath (what its first Remove does); none of this is ` +
    `measured. The tree then has the shape our design gives a room, where the host commits every change: the ` +
    `host's path filled, every other member's path blank. Per run (${main.runs}), a newcomer with a fresh identity ` +
    `joins (the room has n) and leaves again, both committed by the host. The sampled members process each ` +
    `commit as a browser does: MlsGroup.process with our admission rules (the roster read from the tree, the room ` +
    `as signaling announced it) and our authentication service (the identity key's ECDSA signature, the link ` +
    `MAC). Every step runs alone under process.cpuUsage (all threads: WebCrypto's jobs included), one await after ` +
    `another; medians over the runs (a member's: over every sampled member of every run). After every change all ` +
    `simulated members are checked to hold the same epoch and safety code.`
  );
}

const ROLES =
  `What each CPU figure holds. Committer: verifying the newcomer's credential, making the commit (with the ` +
  `Welcome), applying it once signaling accepted it; on a leave, finding the leaver's leaf and making the Remove ` +
  `commit. Each other member: processing the commit (admission rules, credential checks, the UpdatePath, the new ` +
  `key schedule). Newcomer: making its key package and joining from the Welcome, which validates the whole tree ` +
  `(every credential and leaf signature, the parent hashes). SFrame keys: one member deriving every sender's base ` +
  `key of the new epoch (MLS exporter, then HKDF-Expand per sender, RFC 9605 §5.2); each member does it once per ` +
  `epoch, on top of the rest.`;

const RELAY =
  `What signaling relays, counted as the protocol and apps/signaling/src/socket/mlsHandlers.ts do it: a join is ` +
  `1 mlsJoin request in, n−1 mlsKeyPackage events out (every member of the room but the newcomer), 1 mlsCommit ` +
  `request in, n−1 mlsCommit events out (the room's channel but the committer: the newcomer gets it too) and 1 ` +
  `mlsWelcome to the newcomer: 2n+1 messages; a leave is 1 mlsCommit in and n−2 out: n−1 messages. Bytes are ` +
  `the real encoded messages as Socket.IO puts them on the WebSocket (the keys section's count: the Engine.IO ` +
  `packet, the requests' acknowledgements included, WebSocket/TCP/IP headers left out), each event once per ` +
  `recipient. Today's pairwise distribution counts the same way: a relayKey request in and a keyEnvelope out per ` +
  `envelope, acknowledgements in the bytes.`;

const CPU_PROFILE =
  `Where a member's CPU goes (CPU profiles of members processing a Remove and of a newcomer joining, room of 300, ` +
  `made while writing this section): ts-mls work linear in the room, not the protocol's O(log n) public-key ` +
  `operations. Each epoch it derives the whole secret tree (createSecretTree: about 3 HKDF-Expand per node, each a ` +
  `WebCrypto HMAC), recomputes the tree hash (a SHA-256 per node, through WebCrypto), and MlsGroup copies the ` +
  `state (structuredClone) before processing; the main thread mostly waits on WebCrypto's thread pool. A lazily ` +
  `derived secret tree and synchronous hashing (@noble/hashes is installed) would remove most of it. The ` +
  `newcomer's join is worse, O(n²): to verify parent hashes ts-mls 1.6.4 (parentHashCoverage) computes, for every ` +
  `leaf, the tree hash of its first filled ancestor's other half, before looking whether the leaf carries a ` +
  `parent hash at all (only committers' leaves do): about n²/2 SHA-256. Before any commit with an UpdatePath the ` +
  `tree has no filled parent and the same join costs a fraction of it. Upstream ts-mls has merged a tree-hash ` +
  `cache and its use in joinGroup (LukaJCB/ts-mls pull requests 437 and 442), not in 1.6.4; until then a ` +
  `newcomer of a room of several hundred spends seconds joining.`;

export function mlsNotes(measured: MlsMeasurement): string[] {
  const { main, pq, baseline } = measured;
  const rows = mlsRows(main, baseline);
  const notes: string[] = [method(main), ROLES, RELAY];
  notes.push(
    `Message sizes by room size: ${sizesText(rows)}. The Add commit stays small (no UpdatePath), but the Welcome ` +
      `carries the whole ratchet tree (every member's credential and keys), and the Remove commit grows with the ` +
      `room${removeGrowth(rows)}: with only the host ever committing, every other member's path stays blank, so ` +
      `the host's new path secrets are encrypted to each member (the resolution of a sparse tree), not to ~log2(n) ` +
      `subtrees. A Remove fanned out to n−2 members therefore costs O(n²) bytes, still a tenth of pairwise's ` +
      `2(n−1)(n−2) envelopes. What would make it O(log n): members filling their own path (an empty commit by each ` +
      `newcomer once it joined), at the price of one more fan-out per join. A join moves more bytes than pairwise ` +
      `(yet far fewer messages): the key package goes to all n−1 members and the Welcome, the size of the tree, ` +
      `travels twice (in the request, then to the newcomer).${joinBreakdown(main)} Sending the key package to ` +
      `the designated committers only would save its share.`,
  );
  const refused = rows.filter((r) => r.overLimits.length > 0);
  if (refused.length > 0) {
    notes.push(
      `Over the protocol's limits (packages/protocol/src/mls.ts, signaling's size cap): ` +
        refused.map((r) => `a ${r.event} in a room of ${r.n}: ${r.overLimits.join('; ')}`).join('; ') +
        `. Such a message would be refused (a request by signaling, an event by the browsers' schema); the ` +
        `figures count it as if relayed.`,
    );
  }
  notes.push(CPU_PROFILE);
  if (baseline) {
    notes.push(
      `Pairwise figures: the keys section's run of ${baseline.ranAt.slice(0, 16).replace('T', ' ')} UTC (commit ` +
        `${baseline.commit}): envelopes from its exact counts (join 4(n−1), leave 2(n−1)(n−2)), bytes at ` +
        `${formatNumber(baseline.bytesPerEnvelope)} per relayed envelope (${baseline.bytesSource}), per-member CPU ` +
        `as measured there (the real KeyManager, Node WebCrypto, focal rooms; medians), except where the table ` +
        `marks its room of 1,000 run once or its linear model (extrapolated). Both sides count CPU the same way ` +
        `(Node, process.cpuUsage); the keys section found Chromium 1.5–2.4× slower than Node, and MLS in a ` +
        `browser would move likewise.`,
    );
  } else {
    notes.push(
      `Pairwise figures missing: ${measured.baselineMissing ?? 'no keys section results'}; run --only keys first.`,
    );
  }
  notes.push(
    pq.ok
      ? `Post-quantum hybrid suite ${PQ_SUITE}: measured at ${pq.simulation.sizes.map((s) => s.n).join(' and ')} ` +
          `members (figures mls.xwing.*). Note: sframeKeys.ts exports 32 bytes (SHA-256's Nh); RFC 9605 asks ` +
          `KDF.Nh, 64 with SHA-512.`
      : `Post-quantum hybrid suite ${PQ_SUITE}: not measured. ts-mls 1.6.4 implements X-Wing through its optional ` +
          `dependency @hpke/hybridkem-x-wing@0.7.0, which is not installed ("${pq.reason}"). Once it is, this ` +
          `section measures it at 10 and 100 members with the same code.`,
  );
  const builds = main.sizes.map((s) => `${s.n}: ${formatNumber(s.buildSeconds)} s`).join(', ');
  const largest = Math.max(...main.sizes.map((s) => s.n));
  notes.push(
    `Set-up, not measured: ${formatNumber(main.poolSeconds)} s for ${formatNumber(largest - 1)} identities and key ` +
      `packages (shared by every size: each room of n−1 takes the first ones); building each room, its sampled ` +
      `members' joins and the settling commit: ${builds}. The build commit adds n−2 members at once, beyond the ` +
      `protocol's 256 per commit: it never goes through signaling. The simulation took ${formatNumber(main.seconds)} s ` +
      `of wall time and ${formatNumber(main.cpu.user)} s of user plus ${formatNumber(main.cpu.system)} s of system ` +
      `CPU; the machine's load average was ${formatNumber(main.load[0])} at the start and ` +
      `${formatNumber(main.load[1])} at the end. The system share is WebCrypto's thread-pool hand-offs (thousands ` +
      `of small jobs per commit); on this shared 2-core machine it and the CPU figures varied up to 3× between runs ` +
      `of the command as other jobs came and went: compare figures within one run (MLS and its min–max), and read ` +
      `the ratios to pairwise, measured on another day, as orders of magnitude.`,
  );
  return notes;
}
