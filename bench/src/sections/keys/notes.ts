/** The keys section's notes: how it was measured, the growth model, why it grows, what would close it. */
import { summarize } from '../../core/stats.ts';
import { TARGET_SIZE, type KeysModel } from './analysis.ts';
import type { FocalResult } from './focal.ts';
import type { EventCount } from './realRoom.ts';
import type { KeysRuns, RealSize } from './runs.ts';
import { refusedCount } from './traffic.ts';

/** The server's per-socket request budget (apps/signaling/src/socket/RoomGateway.ts REQUESTS_PER_SECOND). */
const REQUESTS_PER_SECOND = 40;

const fmt = (value: number, digits = 0): string =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';

function med(list: readonly EventCount[], value: (e: EventCount) => number): number {
  return summarize(list.map(value)).median;
}

function lossText(size: RealSize): string {
  const leave = size.leaves;
  const join = size.joins;
  const pairs = size.n * (size.n - 1);
  return (
    `room of ${size.n}: a leave sends ${fmt(med(leave, (e) => e.traffic.relaySent))} requests, ` +
    `${fmt(med(leave, (e) => refusedCount(e.traffic)))} refused, ` +
    `${fmt(med(leave, (e) => e.missingPairs))} of ${fmt(pairs)} member pairs without the newest key; a join ` +
    `${fmt(med(join, (e) => refusedCount(e.traffic)))} refused, ${fmt(med(join, (e) => e.missingPairs))} pairs without it`
  );
}

/** Server CPU per relayed request, µs, over the leaves of the largest room (the most requests). */
function serverCost(runs: KeysRuns): { us: number; n: number } | null {
  const largest = runs.real[runs.real.length - 1];
  if (!largest) {
    return null;
  }
  const us = summarize(
    largest.leaves.map((e) => (1000 * e.serverCpuMs) / Math.max(1, e.traffic.relaySent)),
  ).median;
  return { us, n: largest.n };
}

export function keysNotes(runs: KeysRuns, model: KeysModel | null): string[] {
  const notes: string[] = [];
  const sizes = runs.real.map((s) => s.n).join(', ');
  notes.push(
    `How: on the real service (one signaling node, pinned on the system-under-test core), rooms of ${sizes} ` +
      `members, each a bot that does E2eeSession's key distribution: the real KeyManager (@confidentiel/e2ee) on ` +
      `Node's WebCrypto (P-256 ECDH and ECDSA, HKDF, AES-GCM: the primitives a browser uses), its envelopes sent as ` +
      `relayKey requests, the room's events fed to it in order. The room of n−1 is set up first (joins through the ` +
      `server; its key exchange handed from bot to bot in process: not measured); then, per run, a newcomer joins ` +
      `(the room has n) and leaves again. Each event is measured from the moment the membership change reached ` +
      `everyone until the room is quiet; envelopes and bytes are counted at the bots from the Engine.IO packets ` +
      `(WebSocket payload: relayKey requests and their acknowledgements, keyEnvelope events), so the sums are what ` +
      `the server received and sent for key distribution. Between runs the envelopes the server refused are handed ` +
      `over in process (a browser would get those keys back later by key requests), so each run starts converged. ` +
      `Per-member CPU comes from "focal" rooms in process (focal.ts): one member knowing all others, who know only ` +
      `it; pairwise channels are independent, so its work is a full room's, and each member's steps run alone under ` +
      `the CPU meter. Rooms of 300 and ${TARGET_SIZE} are simulated that way, without the server.`,
  );
  if (model) {
    const bytes = model.bytesPerEnvelope;
    const join = model.joinFit.at(TARGET_SIZE);
    const leave = model.leaveFit.at(TARGET_SIZE);
    const check = runs.focal1000
      ? ` A focal room of ${TARGET_SIZE} run once gives ${fmt(runs.focal1000.joinEnvelopes)} and ` +
        `${fmt(runs.focal1000.leaveEnvelopes)} envelopes, and a member's leave CPU ` +
        `${fmt(runs.focal1000.memberLeave.cpuMs)} ms (model: ${fmt(model.cpuAtTarget.memberLeave.median)} ms).`
      : '';
    notes.push(
      `Model, fitted on rooms of ${model.sizes.join(', ')}: a join relays ${model.joinFit.text} envelopes ` +
        `(exactly 4(n−1): the newcomer seals its key to each of the n−1 members and acknowledges theirs, each ` +
        `member sends its ratcheted key to the newcomer and acknowledges the newcomer's), linear; a leave relays ` +
        `${model.leaveFit.text} (exactly 2(n−1)(n−2): each of the n−1 remaining members draws a fresh key and seals ` +
        `it to each of the n−2 others, and every one is acknowledged), quadratic (fit residual ` +
        `${fmt(100 * Math.max(model.joinFit.worstRelativeError, model.leaveFit.worstRelativeError), 3)}%). ` +
        `Per member the work is linear: the newcomer ${model.cpuFits.newcomerJoin.text} ms, a member on a leave ` +
        `${model.cpuFits.memberLeave.text} ms, and a member on a join ${model.cpuFits.memberJoin.text} ms (it ` +
        `sends 2 envelopes but ratchets every key it holds, and E2eeSession recomputes n safety codes). At ` +
        `${TARGET_SIZE}: a join ${fmt(join)} envelopes (${fmt((join * (bytes ?? Number.NaN)) / 1e6, 1)} MB), a leave ` +
        `${fmt(leave)} envelopes (${fmt((leave * (bytes ?? Number.NaN)) / 1e9, 2)} GB through the server at ` +
        `${fmt(bytes ?? Number.NaN)} bytes per relayed envelope), each remaining member sealing and opening ` +
        `${fmt(2 * (TARGET_SIZE - 2))} envelopes: ${fmt(model.cpuAtTarget.memberLeave.median)} ms of CPU each, ` +
        `${fmt((model.cpuAtTarget.memberLeave.median * (TARGET_SIZE - 1)) / 1000, 1)} s for the room.${check}`,
    );
  }
  const cost = serverCost(runs);
  if (cost && model) {
    const leave = model.leaveFit.at(TARGET_SIZE);
    notes.push(
      `Server: ${fmt(cost.us)} µs of signaling CPU per relayKey request on the leaves of the room of ${cost.n} ` +
        `(refused ones included, the relay's share of a core the rest of the time); at that cost a leave from a room ` +
        `of ${TARGET_SIZE} (${fmt(leave)} requests) would take ${fmt((leave * cost.us) / 1e6, 1)} s of one core: ` +
        `the service could not relay it in the second or two a member expects.`,
    );
  }
  const lossy = runs.real.filter((s) => s.leaves.some((e) => refusedCount(e.traffic) > 0));
  if (lossy.length > 0) {
    notes.push(
      `Envelopes lost: signaling allows ${REQUESTS_PER_SECOND} requests per second per socket, and every envelope ` +
        `is one request. A leave makes each member send 2(n−2) within about a second (n−2 keys, then as many ` +
        `acknowledgements), a join makes the newcomer send 2(n−1): from about ${Math.ceil(REQUESTS_PER_SECOND / 2) + 2} ` +
        `members the excess is refused (rate-limited) and KeyManager does not send it again. Measured: ` +
        `${lossy.map(lossText).join('; ')}. A member without a peer's newest key cannot decrypt that peer's media ` +
        `until a key request (sent when undecryptable frames arrive, at most once per 2 s per member) brings it; a ` +
        `refused acknowledgement makes the sender wait its 1.5 s timeout, and at the next join it sends its key again ` +
        `to every member that did not acknowledge. After a burst the leaver's own \`leave\` can be refused too (the ` +
        `web app closes the socket anyway). What would close it: one request carrying all of a member's envelopes ` +
        `for one change (n−2 per request instead of one), or a relay budget that grows with the room; MLS below.`,
    );
  }
  notes.push(
    `Why it grows: each member shares a pairwise channel (ECDH, then AES-GCM and an ECDSA signature per ` +
      `envelope) with every other, and a leave must replace every member's sender key (the leaver knew them all), ` +
      `so n−1 members each re-send to n−2: O(n²) envelopes for the room, O(n) seals, opens and signatures per ` +
      `member. A join is cheaper because keys ratchet forward (HKDF) and only the newcomer needs them: O(n) ` +
      `envelopes, but O(n) ratchets per member. MLS (RFC 9420, issue 16) changes the counts: one member commits the ` +
      `change (a Remove or Add proposal and a Commit whose UpdatePath carries about log2(n) HPKE-encrypted path ` +
      `secrets, plus a Welcome for a newcomer), the server fans that one message out, and each member decrypts one ` +
      `path secret and derives O(log n) secrets. Per change: 1 request instead of up to 2(n−2) per member, n−1 ` +
      `deliveries of a message of O(log n) size instead of 2(n−1)(n−2) envelopes (at ${TARGET_SIZE}: ~10 path ` +
      `secrets, a message of a few kB fanned out to 999, a few MB instead of ~1 GB), O(log n) public-key operations ` +
      `per member instead of O(n). The fan-out stays O(n) for the server, but it is one message, within the ` +
      `per-socket budget.`,
  );
  if (runs.chromium.size > 0) {
    const rows = [...runs.chromium]
      .sort((a, b) => a[0] - b[0])
      .map(([n, list]) => {
        const node = runs.nodeWall.get(n) ?? [];
        const c = summarize(list.map((r) => r.memberLeave.cpuMs)).median;
        const w = summarize(node.map((r) => r.memberLeave.cpuMs)).median;
        const cn = summarize(list.map((r) => r.newcomerJoin.cpuMs)).median;
        const wn = summarize(node.map((r) => r.newcomerJoin.cpuMs)).median;
        return `room of ${n}: a member's leave ${fmt(c, 1)} ms in Chromium vs ${fmt(w, 1)} ms in Node, the newcomer ${fmt(cn, 1)} vs ${fmt(wn, 1)} ms`;
      });
    const ratioTo = (source: Map<number, FocalResult[]>): number =>
      summarize(
        [...runs.chromium].flatMap(([n, list]) =>
          list.map((r, i) => r.memberLeave.cpuMs / (source.get(n)?.[i]?.memberLeave.cpuMs ?? Number.NaN)),
        ),
      ).median;
    notes.push(
      `Per browser: the focal rooms also run in Debian's Chromium (the same KeyManager bundled by Vite, Chromium's ` +
        `WebCrypto), timed by the page's clock, the member's steps alone (a page has no CPU clock), against the same ` +
        `rooms in Node timed the same way, run by run: ${rows.join('; ')}. A member's leave takes Chromium ` +
        `${fmt(ratioTo(runs.nodeWall), 2)}× Node's wall time and ${fmt(ratioTo(runs.focal), 2)}× Node's CPU time ` +
        `(all threads): Node's CPU figures, which stand in for rooms of 300 and ${TARGET_SIZE}, are of the same ` +
        `order as a browser's, and grow the same way.`,
    );
  } else if (runs.chromiumError) {
    notes.push(
      `Per browser: Chromium was not measured this time (${runs.chromiumError}); Node's WebCrypto figures stand in.`,
    );
  }
  const setup = runs.real.map((s) => `${s.n}: ${fmt(s.setupSeconds, 1)} s`).join(', ');
  if (setup) {
    notes.push(
      `Set-up of the rooms (not measured): ${setup}. Key bytes exclude WebSocket, TCP and IP headers.`,
    );
  }
  return notes;
}
