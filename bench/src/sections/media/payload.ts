/**
 * Synthetic media payloads, written as RTP without an encoder: a VP8 payload
 * descriptor and payload header that both SFUs parse (key frames, picture
 * ids, so they can switch simulcast layers), or an Opus-like audio frame.
 * Every payload ends with a stamp (stream, sequence, send time) that the
 * receiving bot reads back: loss and one-way latency, sender and receiver in
 * the same process (the same clock).
 */

/** Marks a stamped payload (the SFUs never touch the payload's tail). */
const MAGIC = 0xb7;
/** magic (1) | stream (4) | sequence (4) | send time in ms, float64 (8). */
export const STAMP_BYTES = 17;

export interface Stamp {
  /** The stream's global number (publisher, audio or video layer). */
  stream: number;
  /** The stream's own packet counter (the SFUs rewrite RTP sequence numbers). */
  sequence: number;
  /** performance.now() when the bot wrote the packet. */
  sentAt: number;
}

function writeStamp(payload: Buffer, stamp: Stamp): void {
  const at = payload.length - STAMP_BYTES;
  payload[at] = MAGIC;
  payload.writeUInt32BE(stamp.stream >>> 0, at + 1);
  payload.writeUInt32BE(stamp.sequence >>> 0, at + 5);
  payload.writeDoubleBE(stamp.sentAt, at + 9);
}

/** The stamp at the end of a received payload, or null if it carries none. */
export function readStamp(payload: Buffer): Stamp | null {
  const at = payload.length - STAMP_BYTES;
  if (at < 0 || payload[at] !== MAGIC) {
    return null;
  }
  return {
    stream: payload.readUInt32BE(at + 1),
    sequence: payload.readUInt32BE(at + 5),
    sentAt: payload.readDoubleBE(at + 9),
  };
}

/** An Opus-like frame: a TOC byte (SILK-only 20 ms, mono, one frame), filler, the stamp. */
export function audioPayload(size: number, stamp: Stamp): Buffer {
  const payload = Buffer.alloc(Math.max(size, STAMP_BYTES + 1), 0x55);
  payload[0] = 0x08;
  writeStamp(payload, stamp);
  return payload;
}

export interface Vp8Packet {
  /** Key frame (only the frame's first packet carries the payload header). */
  keyFrame: boolean;
  /** First packet of the frame (S bit, partition 0). */
  start: boolean;
  /** 15-bit picture id, one per frame. */
  pictureId: number;
  /** TL0PICIDX: one per base-layer frame (every frame here: one temporal layer). */
  tl0PicIdx: number;
  /** Frame width and height, in the key frame header (Janus reads them). */
  width: number;
  height: number;
}

/**
 * VP8 payload descriptor (RFC 7741 section 4.2) as Chrome writes it for a
 * simulcast layer: X, I (two-byte picture id), L (TL0PICIDX), T (temporal
 * layer 0). On a frame's first packet, the VP8 payload header: the 3-byte
 * frame tag (P bit clear on key frames) and, on key frames, the start code
 * and the dimensions.
 */
export function vp8Payload(size: number, packet: Vp8Packet, stamp: Stamp): Buffer {
  const header: number[] = [
    0x80 | (packet.start ? 0x10 : 0x00),
    0x80 | 0x40 | 0x20,
    0x80 | ((packet.pictureId >> 8) & 0x7f),
    packet.pictureId & 0xff,
    packet.tl0PicIdx & 0xff,
    // TID 0, Y (layer sync) set, no key index.
    0x20,
  ];
  if (packet.start) {
    // Frame tag: P (bit 0) clear on key frames, version 0, show_frame (bit 4), a first-partition size.
    const firstPartitionSize = 200;
    const tag = (packet.keyFrame ? 0 : 1) | 0x10 | (firstPartitionSize << 5);
    header.push(tag & 0xff, (tag >> 8) & 0xff, (tag >> 16) & 0xff);
    if (packet.keyFrame) {
      header.push(0x9d, 0x01, 0x2a);
      header.push(
        packet.width & 0xff,
        (packet.width >> 8) & 0x3f,
        packet.height & 0xff,
        (packet.height >> 8) & 0x3f,
      );
    }
  }
  const payload = Buffer.alloc(Math.max(size, header.length + STAMP_BYTES + 1), 0xaa);
  Buffer.from(header).copy(payload, 0);
  writeStamp(payload, stamp);
  return payload;
}

/** Whether a VP8 payload (as received) starts a key frame: for checks and tests. */
export function isVp8KeyFrame(payload: Buffer): boolean {
  let offset = 0;
  const first = payload[offset] ?? 0;
  const start = (first & 0x10) !== 0 && (first & 0x07) === 0;
  if ((first & 0x80) !== 0) {
    const ext = payload[++offset] ?? 0;
    if ((ext & 0x80) !== 0) {
      offset += (payload[offset + 1] ?? 0) & 0x80 ? 2 : 1;
    }
    if ((ext & 0x40) !== 0) {
      offset += 1;
    }
    if ((ext & 0x30) !== 0) {
      offset += 1;
    }
  }
  offset += 1;
  return start && offset < payload.length && ((payload[offset] ?? 1) & 0x01) === 0;
}
