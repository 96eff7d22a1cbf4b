import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dtlsParameters,
  okData,
  opusRtpParameters,
  refusalOf,
  request,
  sleep,
  startHarness,
  type Harness,
  type Member,
} from './support/harness.ts';

/**
 * A member cannot act on another member's transports, producers or consumers,
 * even knowing their ids (ids travel to every member in producerAdded).
 */
describe('no IDOR on media ids', () => {
  let h: Harness;
  let ada: Member;
  let bob: Member;
  let adaSend: string;
  let adaRecv: string;
  let adaProducer: string;
  let adaConsumer: string;
  let bobProducer: string;

  async function produce(member: Member, transportId: string, ssrc: number): Promise<string> {
    return okData(
      await request(member.socket, 'produce', {
        transportId,
        kind: 'audio',
        rtpParameters: opusRtpParameters(ssrc),
        source: 'microphone',
      }),
    ).producerId;
  }

  beforeAll(async () => {
    h = await startHarness();
    const meetingId = await h.createMeeting();
    ada = await h.joinMember(meetingId, 'Ada');
    bob = await h.joinMember(meetingId, 'Bob');
    // Both members own media, so a lookup by id alone would find the other's.
    adaSend = okData(await request(ada.socket, 'createTransport', { direction: 'send' })).id;
    adaRecv = okData(await request(ada.socket, 'createTransport', { direction: 'recv' })).id;
    const bobSend = okData(await request(bob.socket, 'createTransport', { direction: 'send' })).id;
    okData(await request(bob.socket, 'createTransport', { direction: 'recv' }));
    adaProducer = await produce(ada, adaSend, 1111);
    bobProducer = await produce(bob, bobSend, 2222);
    adaConsumer = okData(
      await request(ada.socket, 'consume', {
        producerId: bobProducer,
        rtpCapabilities: ada.join.routerRtpCapabilities,
      }),
    ).id;
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it("refuses connectTransport on another member's transport with not-found, and the owner can still connect it", async () => {
    for (const transportId of [adaSend, adaRecv]) {
      expect(refusalOf(await request(bob.socket, 'connectTransport', { transportId, dtlsParameters }))).toBe(
        'not-found',
      );
    }
    // connect() can be called once per transport: had Bob's call gone through, Ada's would fail.
    okData(await request(ada.socket, 'connectTransport', { transportId: adaSend, dtlsParameters }));
    okData(await request(ada.socket, 'connectTransport', { transportId: adaRecv, dtlsParameters }));
  });

  it("refuses produce on another member's send transport", async () => {
    const ack = await request(bob.socket, 'produce', {
      transportId: adaSend,
      kind: 'video',
      rtpParameters: {
        mid: '1',
        codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
        encodings: [{ ssrc: 3333 }],
      },
      source: 'camera',
    });
    expect(refusalOf(ack)).toBe('not-found');
    expect([...h.media.producers.values()].filter((p) => !p.closed && p.kind === 'video')).toEqual([]);
  });

  it("refuses closeProducer and setProducerPaused on another member's producer, leaving it open and unpaused", async () => {
    expect(
      refusalOf(await request(bob.socket, 'setProducerPaused', { producerId: adaProducer, paused: true })),
    ).toBe('not-found');
    expect(refusalOf(await request(bob.socket, 'closeProducer', { producerId: adaProducer }))).toBe(
      'not-found',
    );
    await sleep(50);
    const producer = h.media.producers.get(adaProducer);
    expect(producer?.closed).toBe(false);
    expect(producer?.paused).toBe(false);
    expect(ada.events.get('producerPaused')).toBeUndefined();
    expect(bob.events.get('producerClosed')).toBeUndefined();
    // The owner still can.
    okData(await request(ada.socket, 'setProducerPaused', { producerId: adaProducer, paused: true }));
    expect(h.media.producers.get(adaProducer)?.paused).toBe(true);
    okData(await request(ada.socket, 'setProducerPaused', { producerId: adaProducer, paused: false }));
  });

  it("refuses resumeConsumer and setConsumerLayers on another member's consumer, leaving it paused", async () => {
    expect(refusalOf(await request(bob.socket, 'resumeConsumer', { consumerId: adaConsumer }))).toBe(
      'not-found',
    );
    expect(
      refusalOf(await request(bob.socket, 'setConsumerLayers', { consumerId: adaConsumer, spatialLayer: 0 })),
    ).toBe('not-found');
    expect(h.media.consumers.get(adaConsumer)?.paused).toBe(true);
    okData(await request(ada.socket, 'resumeConsumer', { consumerId: adaConsumer }));
    expect(h.media.consumers.get(adaConsumer)?.paused).toBe(false);
  });

  it("refuses a member acting on its own ids with the other member's id swapped in (consume of own producer included)", async () => {
    expect(
      refusalOf(
        await request(bob.socket, 'consume', {
          producerId: bobProducer,
          rtpCapabilities: bob.join.routerRtpCapabilities,
        }),
      ),
    ).toBe('forbidden');
    // A producer id is not a transport id, nor a consumer id.
    expect(
      refusalOf(await request(bob.socket, 'connectTransport', { transportId: adaProducer, dtlsParameters })),
    ).toBe('not-found');
    expect(refusalOf(await request(bob.socket, 'resumeConsumer', { consumerId: adaProducer }))).toBe(
      'not-found',
    );
  });

  it('keeps every object of the victim alive after all the attempts', () => {
    for (const id of [adaSend, adaRecv]) {
      expect(h.media.transports.get(id)?.closed, id).toBe(false);
    }
    expect(h.media.producers.get(adaProducer)?.closed).toBe(false);
    expect(h.media.consumers.get(adaConsumer)?.closed).toBe(false);
    expect(ada.socket.connected).toBe(true);
  });
});
