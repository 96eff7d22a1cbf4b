/**
 * The notes of the media section: how it was measured and what is simulated,
 * then what this run's numbers say: where each SFU's CPU goes (our node
 * process against the mediasoup worker, context switches per packet from
 * /proc), how noisy the machine was, when the generator (not the SFU) was
 * the limit, and why ours is behind where it is.
 */
import { median } from '../../core/stats.ts';
import type { RunResult } from './measure.ts';
import { kneeText, type RampOutcome } from './ramp.ts';
import { AUDIO, LAYERS } from './traffic.ts';

const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function med(runs: readonly RunResult[], value: (r: RunResult) => number): number {
  const values = runs.map(value).filter(Number.isFinite);
  return values.length === 0 ? Number.NaN : median(values);
}

/** The median share of each process in the SFU's CPU over the runs. */
function split(runs: readonly RunResult[]): string {
  const names = new Set(runs.flatMap((r) => Object.keys(r.cpuByProcess)));
  return [...names]
    .map(
      (name) =>
        `${name} ${fmt(
          med(runs, (r) => (100 * (r.cpuByProcess[name] ?? 0)) / r.sfuCpuMs),
          0,
        )}%`,
    )
    .join(', ');
}

const noise = (runs: readonly RunResult[]): string =>
  `${fmt(
    med(runs, (r) => r.sutCoreOthersPct),
    0,
  )}% of the SFU core and ` +
  `${fmt(
    med(runs, (r) => r.loadCoreOthersPct),
    0,
  )}% of the generator core`;

function method(): string[] {
  const layers = LAYERS.map((l) => `${l.fps * l.packetsPerFrame} packets/s of ${l.bytes} B`).join(', ');
  return [
    `Load: bots in one process (werift 0.25.2: real ICE, DTLS and SRTP) writing RTP from synthetic payloads, no ` +
      `encoder: audio ${AUDIO.pps} packets/s of ${AUDIO.bytes} B (Opus-like) and VP8 simulcast in ${LAYERS.length} ` +
      `SSRC layers (${layers}) with a valid VP8 payload descriptor and header, key frames every 3 s and on PLI/FIR, ` +
      'sender reports every second. Each payload ends with a stamp (stream, sequence, send time): the receiving bot, ' +
      'in the same process (one clock), measures loss and one-way latency.',
    'Both SFUs get the same load and negotiation: Opus and VP8, no header extension (no bandwidth estimation: both ' +
      'forward the top layer, as preferred), no NACK/RTX. Fixed load: one room, 4 publishers and 16 subscribers (the ' +
      '4 publishers, each receiving the 3 others, and 12 receive-only viewers): 60 audio and 60 video streams ' +
      'forwarded, about 10,200 packets/s. Each window starts once every expected stream flows.',
    'CPU per forwarded packet: utime + stime (/proc) of the SFU’s process tree (our node process and its mediasoup ' +
      'worker; Janus with all its threads) over the window, divided by the stamped packets the subscribers received ' +
      'that were sent in the window; it includes receiving every publisher’s 3 layers and audio, and RTCP.',
    'Latency: from the bot’s write (before werift’s SRTP) to the bot’s read (after SRTP): it includes the bots’ own ' +
      'SRTP and event loop on the generator core, so a starved generator shows as latency for both SFUs.',
    'Network: a private namespace with one veth address for both SFUs and every bot (Janus/libnice gathers no ' +
      'loopback candidate); local traffic never leaves the kernel. Our SFU runs one mediasoup worker; both SFUs are ' +
      'pinned to the same core. The bots’ UDP receive buffers are 4 MB (they stand for browsers on many machines, not ' +
      'hundreds of sockets behind one core); the SFUs keep their own.',
  ];
}

/** Where the CPU goes, and the machine's state, from this run's numbers. */
function findings(ours: readonly RunResult[], janus: readonly RunResult[] | null): string[] {
  if (ours.length === 0) {
    return [];
  }
  const notes: string[] = [];
  const switches = (runs: readonly RunResult[]): string =>
    `${fmt(100 * med(runs, (r) => r.switchesPerPacket), 1)} context switches per 100 forwarded packets ` +
    `(${fmt(
      med(runs, (r) => r.sfuThreads),
      0,
    )} threads)`;
  notes.push(
    `Where the CPU goes at the fixed load: ours splits as ${split(ours)}, with ${switches(ours)}` +
      (janus
        ? `; Janus makes ${switches(janus)}. mediasoup forwards each packet on its one worker thread, from the ` +
          'socket read to the sends; Janus reads a publisher’s packet on that publisher’s thread and queues it to each ' +
          'subscriber’s own thread (a GLib loop per peer), which is woken to send it: a thread hand-off per ' +
          'forwarded packet, counted here as context switches.'
        : '.'),
  );
  notes.push(
    `Generator: it used ${fmt(
      med(ours, (r) => r.generatorCorePct),
      0,
    )}% of its core in our runs` +
      `${
        janus
          ? ` and ${fmt(
              med(janus, (r) => r.generatorCorePct),
              0,
            )}% in Janus’s`
          : ''
      } (near 100%, or its event ` +
      'loop waiting for its core, the generator is the limit). Noise: other processes on the machine used ' +
      `${noise(ours)} in our windows${janus ? `, ${noise(janus)} in Janus’s` : ''} (median, /proc/stat busy time ` +
      'minus ours); tens of percent make the latencies and losses the machine’s rather than the SFU’s.',
  );
  const fallbacks = janus ? med(janus, (r) => r.counters.substreamFallbacks ?? 0) : 0;
  if (fallbacks > 0) {
    notes.push(
      `Janus dropped subscribers to a lower substream ${fmt(fallbacks, 0)} times per window (median): its default ` +
        '`fallback` gives up on a substream after 250 ms without a packet, which a stalled core (its own or the ' +
        'generator’s) triggers; each drop costs a key-frame request and shows as loss of the top layer here.',
    );
  }
  return notes;
}

/**
 * When our SFU's one UDP socket overflowed: a mediasoup worker's
 * WebRtcServer receives every transport on one socket, and apps/sfu sets no
 * buffer size on it before SFU_UDP_BUFFER_BYTES (the kernel's default, ~208 KB:
 * on the order of a hundred packets), where Janus has a socket (and a buffer) per peer.
 */
export function socketDropNote(ours: readonly RunResult[], janus: readonly RunResult[] | null): string[] {
  const drops = ours.reduce((n, r) => n + r.sfuSocketDrops, 0);
  if (drops === 0) {
    return [];
  }
  const lossy = ours.filter((r) => r.sfuSocketDrops > 0).length;
  const janusDrops = janus ? janus.reduce((n, r) => n + r.sfuSocketDrops, 0) : null;
  return [
    `Our SFU’s own socket dropped ${drops} datagrams on a full receive buffer in ${lossy} of ${ours.length} windows` +
      `${janusDrops === null ? '' : ` (Janus’s sockets: ${janusDrops})`}: that is most of our loss. A mediasoup ` +
      'worker’s WebRtcServer receives every transport on one UDP socket, where Janus has a socket (and a buffer) ' +
      'per peer. At the kernel’s default buffer (~208 KB, about a hundred packets) the stock SFU lost 5–10% in rooms ' +
      'of 4 with 16 publishers, and nothing with 4 MB: the SFU now asks for SFU_UDP_BUFFER_BYTES (4 MiB by default), ' +
      'which the kernel caps at net.core.rmem_max/wmem_max (infra/systemd/99-confidentiel-sfu.conf raises them). ' +
      'Drops here mean the host’s cap is lower than that, or the bursts outgrow even 4 MB.',
  ];
}

/** Where ours is behind Janus at the fixed load, the reason this run's numbers give. */
function behind(ours: readonly RunResult[], janus: readonly RunResult[]): string[] {
  const notes: string[] = [];
  const cpu = med(ours, (r) => r.cpuUsPerPacket) / med(janus, (r) => r.cpuUsPerPacket);
  if (cpu > 1) {
    const node = med(ours, (r) => (100 * (r.cpuByProcess['SFU node process'] ?? 0)) / r.sfuCpuMs);
    notes.push(
      `Ours costs ${fmt(cpu, 2)}× Janus’s CPU per packet here. Our node process took ${fmt(node, 0)}% of it ` +
        '(the control plane and the events the worker sends it: scores, layer changes, active speaker); ' +
        `${node > 20 ? 'cutting those events (no listener for scores, fewer active-speaker updates) would close most of the gap' : 'the rest is the worker, whose per-packet work (SRTP, RTP parsing, simulcast layer selection) would need a profile of the C++ worker, which this machine cannot take (no perf)'}.`,
    );
  }
  const p99 = med(ours, (r) => r.p99Ms) / med(janus, (r) => r.p99Ms);
  if (p99 > 1) {
    const othersOurs = med(ours, (r) => r.sutCoreOthersPct);
    const othersJanus = med(janus, (r) => r.sutCoreOthersPct);
    notes.push(
      `Ours has ${fmt(p99, 2)}× Janus’s p99 here. Other processes used ${fmt(othersOurs, 0)}% of the SFU core in our ` +
        `windows and ${fmt(othersJanus, 0)}% in Janus’s: ${
          Math.max(othersOurs, othersJanus) >= 10
            ? 'on a contended core the single mediasoup worker thread waits as a whole each time it is preempted, while ' +
              'Janus’s many threads take a larger share of the core between them; on a quiet core this gap is the ' +
              'machine’s, not the SFU’s (rerun the section on an idle machine to check).'
            : 'the core was quiet, so the gap is the SFU’s: the worker serves every transport of the room in turn on ' +
              'one thread, and a burst for 16 subscribers queues behind itself; a second worker (SFU_WORKERS=2 with ' +
              'rooms spread, or mediasoup’s pipeToRouter for a large room) on a second core would cut the queue.'
        }`,
    );
  }
  return notes;
}

export function mediaNotes(
  ours: readonly RunResult[],
  janus: readonly RunResult[] | null,
  outcomes: readonly RampOutcome[],
  janusRan: boolean,
): string[] {
  const notes = [...method(), ...findings(ours, janus), ...socketDropNote(ours, janus)];
  if (janus && ours.length > 0 && janus.length > 0) {
    notes.push(...behind(ours, janus));
  }
  if (!janusRan) {
    notes.push(
      'Janus did not run: it needs the bench network namespace (unshare --net with a veth pair) and /usr/bin/janus; ' +
        'the figures have no reference.',
    );
  }
  notes.push(
    `Knee (one ramp, subscribers of 4 publishers, ours then Janus at each step): ${outcomes
      .map((o) => `${o.sfu} ${kneeText(o)}`)
      .join('; ')}.`,
  );
  return notes;
}
