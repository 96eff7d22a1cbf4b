/** Encoded frames as a browser's encoder hands them to the transform (no RTP payload descriptor). */

function withBody(head: number[], length: number): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(length);
  frame.set(head.slice(0, length));
  for (let i = head.length; i < length; i++) {
    frame[i] = (i * 131 + 7) & 0xff;
  }
  return frame;
}

/** VP8 key frame 640x480: frame tag with bit 0 = 0, start code 9d 01 2a, width, height. */
export function vp8KeyFrame(length = 1200): Uint8Array<ArrayBuffer> {
  return withBody([0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], length);
}

/** VP8 interframe: frame tag with bit 0 = 1. */
export function vp8DeltaFrame(length = 300): Uint8Array<ArrayBuffer> {
  return withBody([0x31, 0x0f, 0x00], length);
}

/** Opus 20 ms SILK wideband frame: TOC byte then the compressed frame. */
export function opusFrame(length = 80): Uint8Array<ArrayBuffer> {
  return withBody([0x78], length);
}

export function plainFrame(length = 500): Uint8Array<ArrayBuffer> {
  return withBody([], length);
}
