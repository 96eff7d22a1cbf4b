/** Minimal RTP and VP8 (RFC 7741) parsing, to rebuild encoded frames from tapped packets. */

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

export function parseRtp(packet: Buffer): RtpPacket | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) {
    return undefined;
  }
  const padding = (packet[0]! & 0x20) !== 0;
  const extension = (packet[0]! & 0x10) !== 0;
  const csrcCount = packet[0]! & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (extension) {
    if (packet.length < offset + 4) {
      return undefined;
    }
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  let end = packet.length;
  if (padding) {
    end -= packet[packet.length - 1]!;
  }
  if (offset > end) {
    return undefined;
  }
  return {
    marker: (packet[1]! & 0x80) !== 0,
    payloadType: packet[1]! & 0x7f,
    sequenceNumber: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payload: packet.subarray(offset, end),
  };
}

/** Strips the VP8 payload descriptor; returns the start-of-partition flag and the VP8 bytes. */
export function vp8Payload(
  payload: Buffer,
): { start: boolean; partitionId: number; data: Buffer } | undefined {
  if (payload.length < 1) {
    return undefined;
  }
  const b0 = payload[0]!;
  let offset = 1;
  if (b0 & 0x80) {
    const x = payload[offset++]!;
    if (x & 0x80) {
      offset += payload[offset]! & 0x80 ? 2 : 1;
    }
    if (x & 0x40) {
      offset += 1;
    }
    if (x & 0x30) {
      offset += 1;
    }
  }
  if (offset > payload.length) {
    return undefined;
  }
  return { start: (b0 & 0x10) !== 0, partitionId: b0 & 0x0f, data: payload.subarray(offset) };
}

/**
 * Rebuilds whole encoded VP8 frames (one SSRC, in sequence order) from RTP
 * packets: the SSRC that yields the most frames (simulcast forwards one
 * layer; RTX and the sender's padding probes, which can outnumber media
 * packets while bandwidth ramps up, come on other SSRCs and yield none).
 */
export function vp8Frames(packets: Buffer[]): Buffer[] {
  const parsed = packets.map(parseRtp).filter((p): p is RtpPacket => p !== undefined);
  const bySsrc = new Map<number, RtpPacket[]>();
  for (const p of parsed) {
    bySsrc.set(p.ssrc, [...(bySsrc.get(p.ssrc) ?? []), p]);
  }
  return [...bySsrc.values()]
    .map(framesOfStream)
    .reduce<Buffer[]>((best, frames) => (frames.length > best.length ? frames : best), []);
}

/** Whole VP8 frames of one SSRC's packets, in arrival order. */
function framesOfStream(stream: RtpPacket[]): Buffer[] {
  const frames: Buffer[] = [];
  let current: Buffer[] | undefined;
  let lastSeq: number | undefined;
  const seenSeq = new Set<number>();
  for (const p of stream) {
    // A retransmission (NACK) repeats a packet already seen: keep the first copy only.
    if (seenSeq.has(p.sequenceNumber)) {
      continue;
    }
    seenSeq.add(p.sequenceNumber);
    const vp8 = vp8Payload(p.payload);
    if (!vp8) {
      continue;
    }
    const contiguous = lastSeq !== undefined && ((lastSeq + 1) & 0xffff) === p.sequenceNumber;
    lastSeq = p.sequenceNumber;
    if (vp8.start && vp8.partitionId === 0) {
      current = [vp8.data];
    } else if (current && contiguous) {
      current.push(vp8.data);
    } else {
      current = undefined;
    }
    if (p.marker && current) {
      frames.push(Buffer.concat(current));
      current = undefined;
    }
  }
  return frames;
}
