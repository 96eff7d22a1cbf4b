import type { types } from 'mediasoup';
import type { PipeEndpoint, PipedProducer } from '@confidentiel/protocol';
import type { ProducerAppData } from './MemberMedia.ts';
import { PipeLink, type PipeState, type PipedProducerAppData } from './PipeLink.ts';
import { sfuErrors } from './SfuError.ts';

/** Where the pipes to other hosts listen (SFU_PIPE_* settings). */
export interface PipeListen {
  ip: string;
  /** The address the other hosts send to; the listen address when absent. */
  announcedAddress?: string | undefined;
  portRange: { min: number; max: number };
}

/**
 * A room's pipes to the other hosts of its meeting: one pipe transport per
 * other host, opened when signaling asks. Signaling decides what crosses
 * them; this only keeps each pipe and its producers by host, so that losing
 * a host (closing its pipe) takes exactly what came from it.
 */
export class RoomPipes {
  readonly #router: types.Router;
  readonly #listen: PipeListen;
  readonly #onReceived: (producer: types.Producer<PipedProducerAppData>) => void;
  readonly #links = new Map<string, PipeLink>();
  readonly #opening = new Map<string, Promise<PipeLink>>();

  constructor(
    router: types.Router,
    listen: PipeListen,
    onReceived: (producer: types.Producer<PipedProducerAppData>) => void,
  ) {
    this.#router = router;
    this.#listen = listen;
    this.#onReceived = onReceived;
  }

  /** Pipes open now. */
  get count(): number {
    return [...this.#links.values()].filter((link) => !link.closed).length;
  }

  /** The pipe to `peer`, opened on first use (two concurrent calls share one transport). */
  async open(peer: string): Promise<PipeState> {
    return (await this.#obtain(peer)).state;
  }

  async connect(peer: string, remote: PipeEndpoint): Promise<void> {
    await this.#link(peer).connect(remote);
  }

  async send(peer: string, producer: types.Producer<ProducerAppData>): Promise<PipedProducer> {
    return this.#link(peer).send(producer);
  }

  async receive(peer: string, piped: PipedProducer): Promise<void> {
    const made = await this.#link(peer).receive(piped);
    if (made !== undefined) {
      this.#onReceived(made);
    }
  }

  /** A copy of another host's producer, whichever pipe it came through. */
  producer(producerId: string): types.Producer<PipedProducerAppData> | undefined {
    for (const link of this.#links.values()) {
      const producer = link.received(producerId);
      if (producer !== undefined) {
        return producer;
      }
    }
    return undefined;
  }

  /** Closes the pipe to `peer` and the copies that came through it. Idempotent. */
  close(peer: string): void {
    this.#links.get(peer)?.close();
    this.#links.delete(peer);
  }

  async #obtain(peer: string): Promise<PipeLink> {
    const existing = this.#links.get(peer);
    if (existing !== undefined && !existing.closed) {
      return existing;
    }
    let opening = this.#opening.get(peer);
    if (opening === undefined) {
      opening = this.#create(peer).finally(() => this.#opening.delete(peer));
      this.#opening.set(peer, opening);
    }
    return opening;
  }

  async #create(peer: string): Promise<PipeLink> {
    const { ip, announcedAddress, portRange } = this.#listen;
    let transport: types.PipeTransport;
    try {
      transport = await this.#router.createPipeTransport({
        listenInfo: {
          protocol: 'udp',
          ip,
          ...(announcedAddress === undefined ? {} : { announcedAddress }),
          portRange,
        },
        // The media is end-to-end encrypted already (SFrame); SRTP keeps the RTP headers and
        // what stays clear of each frame off the network between hosts, and drops forgeries.
        enableSrtp: true,
        // Hosts are apart: lost packets are asked again (NACK, RTX).
        enableRtx: true,
        enableSctp: false,
        appData: { peer },
      });
    } catch (error) {
      throw sfuErrors.mediaError('could not open pipe', error);
    }
    const link = new PipeLink(peer, transport);
    this.#links.set(peer, link);
    transport.observer.on('close', () => {
      if (this.#links.get(peer) === link) {
        this.#links.delete(peer);
      }
    });
    return link;
  }

  #link(peer: string): PipeLink {
    const link = this.#links.get(peer);
    if (link === undefined || link.closed) {
      throw sfuErrors.notFound('pipe');
    }
    return link;
  }
}
