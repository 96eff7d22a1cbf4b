import { describe, expect, it } from 'vitest';
import { KeyId, parseHeader } from '@confidentiel/e2ee';
import { E2eeWorkerHost, KEY_REQUEST_INTERVAL_MS } from './E2eeWorkerHost.ts';
import type { EncodedFrameLike } from './FramePipeline.ts';
import type { FromWorker, TransformOptions, TransformStats } from './protocol.ts';
import { ReceiverKeys } from './ReceiverKeys.ts';
import { answerWrongKeyRequest } from './wrongKeyForTest.ts';

/** A VP8 key frame: bit 0 of the first byte clear, 10 bytes of clear prefix, then payload. */
function vp8KeyFrame(seed: number, length = 64): EncodedFrameLike {
  const bytes = new Uint8Array(length).map((_, i) => (i * 7 + seed) & 0xff);
  bytes[0] = 0x10;
  return { data: bytes.buffer };
}

function vp8DeltaFrame(seed: number, length = 40): EncodedFrameLike {
  const bytes = new Uint8Array(length).map((_, i) => (i * 13 + seed) & 0xff);
  bytes[0] = 0x11;
  return { data: bytes.buffer };
}

interface Pipe {
  push(frame: EncodedFrameLike): void;
  end(): void;
  readonly out: EncodedFrameLike[];
}

function attach(host: E2eeWorkerHost, options: TransformOptions): Pipe {
  let controller!: ReadableStreamDefaultController<EncodedFrameLike>;
  const readable = new ReadableStream<EncodedFrameLike>({
    start: (c) => {
      controller = c;
    },
  });
  const out: EncodedFrameLike[] = [];
  const writable = new WritableStream<EncodedFrameLike>({
    write: (frame) => {
      out.push(frame);
    },
  });
  host.attach(options, readable, writable);
  return { push: (frame) => controller.enqueue(frame), end: () => controller.close(), out };
}

/** Lets WebCrypto's work finish; generous, as a loaded machine delays it (seen failing at 25 ms). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function makeHost(now: () => number = () => 0): {
  host: E2eeWorkerHost;
  posted: FromWorker[];
  keys: ReceiverKeys;
} {
  const posted: FromWorker[] = [];
  const keys = new ReceiverKeys(now);
  const host = new E2eeWorkerHost({ post: (m) => posted.push(m), now, receiverKeys: keys });
  return { host, posted, keys };
}

const KEY_A = new Uint8Array(16).fill(0xa1);
const KEY_A2 = new Uint8Array(16).fill(0xa2);

const sendOptions = (transformId = 'cam-1'): TransformOptions => ({
  transformId,
  role: 'send',
  kind: 'video',
  codec: 'vp8',
  senderIndex: 3,
});
const recvOptions = (transformId = 'alice-cam'): TransformOptions => ({
  transformId,
  role: 'recv',
  kind: 'video',
  codec: 'vp8',
  memberId: 'alice',
  senderIndex: 3,
});

function statsOf(host: E2eeWorkerHost, transformId: string): TransformStats {
  const found = host.stats().transforms.find((t) => t.transformId === transformId);
  if (!found) {
    throw new Error(`no stats for ${transformId}`);
  }
  return found;
}

describe('E2eeWorkerHost', () => {
  it('drops every outgoing frame until a sender key is installed (fail closed)', async () => {
    const { host } = makeHost();
    const pipe = attach(host, sendOptions());
    pipe.push(vp8KeyFrame(1));
    pipe.push(vp8DeltaFrame(2));
    await settle();
    expect(pipe.out).toHaveLength(0);
    expect(statsOf(host, 'cam-1').dropped).toEqual({ 'no-key': 2 });

    host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    pipe.push(vp8KeyFrame(3));
    await settle();
    expect(pipe.out).toHaveLength(1);
    const sent = new Uint8Array(pipe.out[0]!.data);
    // The clear prefix stays, an SFrame header follows it.
    const header = parseHeader(sent, 10);
    expect(header && KeyId.unpack(header.kid)).toEqual({ senderIndex: 3, epoch: 0, kind: 'video' });
    expect(statsOf(host, 'cam-1')).toMatchObject({ encrypted: 1, hasKey: true, epoch: 0 });
  });

  it('a receiver holding the sender key gets the original frames back, in order', async () => {
    const sender = makeHost();
    const receiver = makeHost();
    sender.host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    receiver.host.handle({ type: 'setReceiverKey', memberId: 'alice', senderIndex: 3, epoch: 0, key: KEY_A });
    const send = attach(sender.host, sendOptions());
    const originals = [vp8KeyFrame(1), vp8DeltaFrame(2), vp8DeltaFrame(3)].map(
      (f) => new Uint8Array(f.data.slice(0)),
    );
    for (const bytes of originals) {
      send.push({ data: bytes.slice().buffer });
    }
    await settle();
    const recv = attach(receiver.host, recvOptions());
    for (const frame of send.out) {
      recv.push(frame);
    }
    await settle();
    expect(recv.out.map((f) => [...new Uint8Array(f.data)])).toEqual(originals.map((b) => [...b]));
    expect(statsOf(receiver.host, 'alice-cam')).toMatchObject({ decrypted: 3, droppedTotal: 0 });
  });

  it("opens a member's frames only with that member's keys", async () => {
    const sender = makeHost();
    const receiver = makeHost();
    sender.host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    // Bob's key is the same bytes, but Alice's frames arrive on Bob's consumer.
    receiver.host.handle({ type: 'setReceiverKey', memberId: 'bob', senderIndex: 3, epoch: 0, key: KEY_A });
    const send = attach(sender.host, sendOptions());
    send.push(vp8KeyFrame(1));
    await settle();
    const recv = attach(receiver.host, recvOptions());
    recv.push(send.out[0]!);
    await settle();
    expect(recv.out).toHaveLength(0);
    expect(statsOf(receiver.host, 'alice-cam').dropped).toEqual({ 'missing-key': 1 });
  });

  it('asks for a missing key of a newer epoch, at most once per interval', async () => {
    let now = 0;
    const sender = makeHost();
    const receiver = makeHost(() => now);
    sender.host.handle({ type: 'setSenderKey', epoch: 1, key: KEY_A2 });
    receiver.host.handle({ type: 'setReceiverKey', memberId: 'alice', senderIndex: 3, epoch: 0, key: KEY_A });
    const send = attach(sender.host, sendOptions());
    for (let i = 0; i < 4; i++) {
      send.push(vp8DeltaFrame(i));
    }
    await settle();
    const recv = attach(receiver.host, recvOptions());
    recv.push(send.out[0]!);
    recv.push(send.out[1]!);
    await settle();
    now += KEY_REQUEST_INTERVAL_MS;
    recv.push(send.out[2]!);
    await settle();
    const requests = receiver.posted.filter((m) => m.type === 'keyRequest');
    expect(requests).toEqual([
      { type: 'keyRequest', memberId: 'alice', epoch: 1 },
      { type: 'keyRequest', memberId: 'alice', epoch: 1 },
    ]);

    receiver.host.handle({
      type: 'setReceiverKey',
      memberId: 'alice',
      senderIndex: 3,
      epoch: 1,
      key: KEY_A2,
    });
    await settle();
    recv.push(send.out[3]!);
    await settle();
    expect(recv.out).toHaveLength(1);
  });

  it('switches to a new context on a new epoch and never goes back to an older one', async () => {
    const { host, posted } = makeHost();
    host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    const send = attach(host, sendOptions());
    send.push(vp8DeltaFrame(1));
    await settle();
    host.handle({ type: 'setSenderKey', epoch: 1, key: KEY_A2 });
    send.push(vp8DeltaFrame(2));
    await settle();
    host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    send.push(vp8DeltaFrame(3));
    await settle();
    const epochs = send.out.map((f) => KeyId.unpack(parseHeader(new Uint8Array(f.data), 3)!.kid).epoch);
    expect(epochs).toEqual([0, 1, 1]);
    expect(posted.some((m) => m.type === 'failure')).toBe(true);
  });

  it('a camera transform made again keeps counting CTR under the same KID', async () => {
    const { host } = makeHost();
    host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    const first = attach(host, sendOptions('cam-1'));
    first.push(vp8DeltaFrame(1));
    first.push(vp8DeltaFrame(2));
    await settle();
    first.end();
    const second = attach(host, sendOptions('cam-2'));
    second.push(vp8DeltaFrame(3));
    await settle();
    const ctrs = [...first.out, ...second.out].map((f) => parseHeader(new Uint8Array(f.data), 3)!.ctr);
    expect(ctrs).toEqual([0n, 1n, 2n]);
  });

  it('refuses a frame whose metadata names a codec it cannot protect (H.264)', async () => {
    const { host } = makeHost();
    host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    const send = attach(host, sendOptions());
    send.push({ ...vp8KeyFrame(1), getMetadata: () => ({ mimeType: 'video/H264' }) });
    await settle();
    expect(send.out).toHaveLength(0);
    expect(statsOf(host, 'cam-1').dropped).toEqual({ 'unsupported-codec': 1 });
  });

  it('a random key installed for a member makes its frames fail authentication', async () => {
    const sender = makeHost();
    const receiver = makeHost();
    sender.host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    receiver.host.handle({ type: 'setReceiverKey', memberId: 'alice', senderIndex: 3, epoch: 0, key: KEY_A });
    await settle();
    await answerWrongKeyRequest(
      receiver.keys,
      { type: 'installWrongKeyForTest', memberId: 'alice', requestId: 7 },
      (message) => receiver.posted.push(message),
    );
    await settle();
    expect(receiver.posted).toContainEqual({
      type: 'response',
      requestId: 7,
      result: { type: 'done', ok: true },
    });
    const send = attach(sender.host, sendOptions());
    send.push(vp8KeyFrame(1));
    send.push(vp8DeltaFrame(2));
    await settle();
    const recv = attach(receiver.host, recvOptions());
    send.out.forEach((f) => recv.push(f));
    await settle();
    expect(recv.out).toHaveLength(0);
    expect(statsOf(receiver.host, 'alice-cam').dropped).toEqual({ 'bad-tag': 2 });
  });

  it('tryDecrypt answers a verdict only, and leaves the live replay window alone', async () => {
    const sender = makeHost();
    const receiver = makeHost();
    sender.host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    receiver.host.handle({ type: 'setReceiverKey', memberId: 'alice', senderIndex: 3, epoch: 0, key: KEY_A });
    const send = attach(sender.host, sendOptions());
    send.push(vp8KeyFrame(1));
    await settle();
    const frame = send.out[0]!.data;
    expect(await receiver.host.tryDecrypt('alice', 'vp8', frame.slice(0))).toEqual({ ok: true });
    expect(await receiver.host.tryDecrypt('alice', 'vp8', frame.slice(0))).toEqual({ ok: true });
    expect(await receiver.host.tryDecrypt('carol', 'vp8', frame.slice(0))).toEqual({
      ok: false,
      reason: 'missing-key',
    });
    const tampered = new Uint8Array(frame.slice(0));
    tampered[tampered.length - 1]! ^= 1;
    expect(await receiver.host.tryDecrypt('alice', 'vp8', tampered.buffer)).toEqual({
      ok: false,
      reason: 'bad-tag',
    });
    // The live stream still opens the same frame once.
    const recv = attach(receiver.host, recvOptions());
    recv.push({ data: frame.slice(0) });
    await settle();
    expect(recv.out).toHaveLength(1);
  });

  it('forgets a member at once when removed', async () => {
    const sender = makeHost();
    const receiver = makeHost();
    sender.host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    receiver.host.handle({ type: 'setReceiverKey', memberId: 'alice', senderIndex: 3, epoch: 0, key: KEY_A });
    await settle();
    receiver.host.handle({ type: 'removeReceiver', memberId: 'alice' });
    const send = attach(sender.host, sendOptions());
    send.push(vp8KeyFrame(1));
    await settle();
    const recv = attach(receiver.host, recvOptions());
    recv.push(send.out[0]!);
    await settle();
    expect(recv.out).toHaveLength(0);
    expect(statsOf(receiver.host, 'alice-cam')).toMatchObject({
      hasKey: false,
      dropped: { 'missing-key': 1 },
    });
  });

  it('forwards nothing through a transform with invalid options', async () => {
    const { host, posted } = makeHost();
    host.handle({ type: 'setSenderKey', epoch: 0, key: KEY_A });
    const pipe = attach(host, { ...sendOptions(), kind: 'hologram' } as unknown as TransformOptions);
    pipe.push(vp8KeyFrame(1));
    await settle();
    expect(pipe.out).toHaveLength(0);
    expect(posted.some((m) => m.type === 'failure')).toBe(true);
  });
});
