/** The inbound RTP figures exposed per consumer (a subset of RTCInboundRtpStreamStats). */
export interface InboundFigures {
  packetsReceived?: number;
  packetsLost?: number;
  bytesReceived?: number;
  jitter?: number;
  framesDecoded?: number;
  framesReceived?: number;
  framesDropped?: number;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  totalSamplesReceived?: number;
  audioLevel?: number;
  pliCount?: number;
  firCount?: number;
  nackCount?: number;
}

const numericFields = [
  'packetsReceived',
  'packetsLost',
  'bytesReceived',
  'jitter',
  'framesDecoded',
  'framesReceived',
  'framesDropped',
  'frameWidth',
  'frameHeight',
  'framesPerSecond',
  'totalSamplesReceived',
  'audioLevel',
  'pliCount',
  'firCount',
  'nackCount',
] as const satisfies ReadonlyArray<keyof InboundFigures>;

/**
 * Picks the inbound-rtp entry out of a receiver's stats report. A receiver
 * has one; if a report has several (simulcast switch), the one with the most
 * packets wins.
 */
export function summarizeInboundStats(entries: Iterable<unknown>): InboundFigures {
  let best: Record<string, unknown> | null = null;
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) {
      continue;
    }
    const stats = entry as Record<string, unknown>;
    if (stats['type'] !== 'inbound-rtp') {
      continue;
    }
    if (!best || numberOr(stats['packetsReceived'], 0) > numberOr(best['packetsReceived'], 0)) {
      best = stats;
    }
  }
  const figures: InboundFigures = {};
  if (!best) {
    return figures;
  }
  for (const field of numericFields) {
    const value = best[field];
    if (typeof value === 'number' && Number.isFinite(value)) {
      figures[field] = value;
    }
  }
  return figures;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
