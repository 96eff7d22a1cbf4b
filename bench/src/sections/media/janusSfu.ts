/**
 * Janus VideoRoom under test, seated as janus.js does it: a publisher handle
 * per publisher (join, then publish with the bot's offer: simulcast by SSRC,
 * `a=ssrc-group:SIM`, as Chrome offers it), and a subscriber handle per
 * subscriber that joins with every other publisher's feed and answers Janus's
 * offer. Janus forwards the highest substream by default, like our SFU.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sdpTransform from 'sdp-transform';
import type { RTCPeerConnection } from 'werift';
import type { Pinning } from '../../core/pinning.ts';
import { inBatches, type LoadPlan, type MediaSession, type SfuUnderTest } from './driver.ts';
import { JanusClient } from './janusClient.ts';
import { startJanus, type JanusProcess } from './janusProcess.ts';
import { connected, createPeer, dtlsOf, enlargeReceiveBuffers, gathered } from './peer.ts';
import type { Recorder } from './recorder.ts';
import { audioStreamOf, LAYERS, PublisherSource, videoStreamOf } from './traffic.ts';

const CONNECT_TIMEOUT_MS = 15_000;
const BATCH = 4;

/** The bot's offer as Janus sees it: our SSRCs, and the simulcast group (werift offers one SSRC per m-section). */
export function simulcastOffer(sdp: string, source: PublisherSource): string {
  const parsed = sdpTransform.parse(sdp);
  const cname = `bot-${source.index}`;
  for (const media of parsed.media) {
    const ssrcs = media.type === 'audio' ? [source.audioSsrc] : source.videoSsrcs;
    media.ssrcs = ssrcs.map((id) => ({ id, attribute: 'cname', value: cname }));
    media.ssrcGroups =
      media.type === 'video' && ssrcs.length > 1 ? [{ semantics: 'SIM', ssrcs: ssrcs.join(' ') }] : [];
  }
  return sdpTransform.write(parsed);
}

export class JanusSfu implements SfuUnderTest {
  readonly name = 'Janus 1.1.2 VideoRoom';
  readonly #janus: JanusProcess;
  readonly #hosts: readonly string[];

  private constructor(janus: JanusProcess, hosts: readonly string[]) {
    this.#janus = janus;
    this.#hosts = hosts;
  }

  /** `iceInterface`: where Janus gathers; `hosts`: the bots' addresses (the same network). */
  static async start(
    root: string,
    pinning: Pinning,
    workDir: string,
    iceInterface: string,
    hosts: readonly string[],
  ): Promise<JanusSfu> {
    return new JanusSfu(await startJanus({ root, pinning, workDir, iceInterface }), hosts);
  }

  get log(): string {
    return this.#janus.log;
  }

  pids(): number[] {
    return [this.#janus.pid];
  }

  ownsPort(port: number): boolean {
    return port >= this.#janus.rtpPorts.min && port <= this.#janus.rtpPorts.max;
  }

  /**
   * Times Janus dropped a subscriber to a lower substream because the top one
   * sent nothing for 250 ms (its default `fallback`): a stalled core or generator.
   */
  counters(): Record<string, number> {
    let log = '';
    try {
      log = readFileSync(this.#janus.log, 'utf8');
    } catch {
      // no log yet
    }
    return { substreamFallbacks: log.split('falling back to').length - 1 };
  }

  async stop(): Promise<void> {
    await this.#janus.stop();
  }

  async open(plan: LoadPlan, recorder: Recorder): Promise<MediaSession> {
    const client = await JanusClient.connect(this.#janus.url);
    const peers: RTCPeerConnection[] = [];
    const rooms: { handle: number; room: number }[] = [];
    const sources: PublisherSource[] = [];
    const expectations: { subscriber: number; streams: number[] }[] = [];
    const close = async (): Promise<void> => {
      await Promise.allSettled(peers.map((pc) => pc.close()));
      for (const { handle, room } of rooms) {
        await client.message(handle, { request: 'destroy', room }).catch(() => undefined);
      }
      await client.close();
    };
    try {
      for (let r = 0; r < plan.rooms; r++) {
        const admin = await client.attach();
        const room = randomInt(1, 2 ** 40);
        await client.message(admin, {
          request: 'create',
          room,
          is_private: true,
          publishers: Math.max(plan.participants, 3),
          videocodec: 'vp8',
          audiocodec: 'opus',
          notify_joining: false,
          audiolevel_event: false,
          // No periodic key-frame requests: our SFU asks only when a consumer needs one.
          fir_freq: 0,
        });
        rooms.push({ handle: admin, room });
        const publishers = Array.from({ length: plan.participants }, () => {
          const source = new PublisherSource(sources.length, plan.layers);
          sources.push(source);
          return { source, feed: randomInt(1, 2 ** 40) };
        });
        await inBatches(
          publishers.map((p) => async () => {
            peers.push(await this.#publish(client, room, p.feed, p.source));
          }),
          BATCH,
        );
        const subscribers = [...publishers, ...Array.from({ length: plan.viewers }, () => null)];
        await inBatches(
          subscribers.map((seat) => async () => {
            const others = publishers.filter((p) => p !== seat);
            const subscriber = expectations.length;
            expectations.push({
              subscriber,
              streams: others.flatMap((p) => [
                audioStreamOf(p.source.index),
                videoStreamOf(p.source.index, LAYERS.length - 1),
              ]),
            });
            peers.push(
              await this.#subscribe(
                client,
                room,
                others.map((p) => p.feed),
                subscriber,
                recorder,
              ),
            );
          }),
          BATCH,
        );
      }
    } catch (error) {
      await close();
      throw error;
    }
    return { sources, expectations, close };
  }

  async #publish(
    client: JanusClient,
    room: number,
    feed: number,
    source: PublisherSource,
  ): Promise<RTCPeerConnection> {
    const handle = await client.attach();
    await client.message(handle, {
      request: 'join',
      ptype: 'publisher',
      room,
      id: feed,
      display: `bot-${source.index}`,
    });
    const pc = createPeer(this.#hosts);
    try {
      pc.addTransceiver('audio', { direction: 'sendonly' });
      pc.addTransceiver('video', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, CONNECT_TIMEOUT_MS);
      const offer = simulcastOffer(pc.localDescription?.sdp ?? '', source);
      const answer = await client.message(
        handle,
        { request: 'publish', audio: true, video: true },
        { type: 'offer', sdp: offer, trickle: false },
      );
      if (!answer.jsep) {
        throw new Error('janus answered the publisher without SDP');
      }
      await pc.setRemoteDescription(answer.jsep);
      await connected(pc, CONNECT_TIMEOUT_MS);
      source.attach(dtlsOf(pc));
      return pc;
    } catch (error) {
      await pc.close();
      throw error;
    }
  }

  async #subscribe(
    client: JanusClient,
    room: number,
    feeds: readonly number[],
    subscriber: number,
    recorder: Recorder,
  ): Promise<RTCPeerConnection> {
    const handle = await client.attach();
    const attached = await client.message(handle, {
      request: 'join',
      ptype: 'subscriber',
      room,
      streams: feeds.map((feed) => ({ feed })),
    });
    if (!attached.jsep) {
      throw new Error('janus offered the subscriber no SDP');
    }
    const pc = createPeer(this.#hosts);
    try {
      await pc.setRemoteDescription(attached.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc, CONNECT_TIMEOUT_MS);
      await client.message(
        handle,
        { request: 'start' },
        { type: 'answer', sdp: pc.localDescription?.sdp ?? '', trickle: false },
      );
      await connected(pc, CONNECT_TIMEOUT_MS);
      enlargeReceiveBuffers(pc);
      recorder.attach(subscriber, dtlsOf(pc));
      return pc;
    } catch (error) {
      await pc.close();
      throw error;
    }
  }
}
