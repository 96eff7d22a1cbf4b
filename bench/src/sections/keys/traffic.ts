/**
 * What one member's socket carries for key distribution, counted at the
 * bot from the Engine.IO packets themselves (WebSocket payload bytes;
 * WebSocket, TCP and IP headers left out): the `relayKey` requests it
 * sends, their acknowledgements, and the `keyEnvelope` events it receives.
 * Summed over every member, that is what the server receives and sends for
 * key distribution. Anything else (memberJoined, memberLeft...) is counted
 * apart.
 */
import type { Socket } from 'socket.io-client';

export interface Traffic {
  /** `relayKey` requests sent (a refused one included). */
  relaySent: number;
  /** Of those, refused by the server (reason, e.g. rate-limited). */
  refused: Map<string, number>;
  /** `keyEnvelope` events received: envelopes the server relayed. */
  envelopesIn: number;
  /** Bytes the server received for key distribution (the requests). */
  bytesToServer: number;
  /** Bytes the server sent for key distribution (acknowledgements of relayKey, keyEnvelope events). */
  bytesFromServer: number;
  /** Every other message, both ways. */
  otherBytes: number;
}

export function emptyTraffic(): Traffic {
  return {
    relaySent: 0,
    refused: new Map(),
    envelopesIn: 0,
    bytesToServer: 0,
    bytesFromServer: 0,
    otherBytes: 0,
  };
}

export function addTraffic(sum: Traffic, more: Traffic): void {
  sum.relaySent += more.relaySent;
  sum.envelopesIn += more.envelopesIn;
  sum.bytesToServer += more.bytesToServer;
  sum.bytesFromServer += more.bytesFromServer;
  sum.otherBytes += more.otherBytes;
  for (const [reason, count] of more.refused) {
    sum.refused.set(reason, (sum.refused.get(reason) ?? 0) + count);
  }
}

export function refusedCount(traffic: Traffic): number {
  let total = 0;
  for (const count of traffic.refused.values()) {
    total += count;
  }
  return total;
}

interface EnginePacket {
  type: string;
  data?: unknown;
}

interface EngineLike {
  on(event: 'packet' | 'packetCreate', listener: (packet: EnginePacket) => void): void;
}

/** Socket.IO's encoding of an event or ack on `/room`: `2/room,<id>[...]`, `3/room,<id>[...]`. */
const EVENT = /^2\/room,(\d*)\["([A-Za-z]+)"/;
const ACK = /^3\/room,(\d+)\[/;

/** Counts `socket`'s key traffic into `traffic` (read `traffic` whenever; swap it with `reset`). */
export class TrafficCounter {
  traffic: Traffic = emptyTraffic();
  /** Ack ids of the relayKey requests in flight. */
  readonly #relayIds = new Set<string>();

  attach(socket: Socket): void {
    const engine = socket.io.engine as unknown as EngineLike;
    engine.on('packetCreate', (packet) => this.#outgoing(packet));
    engine.on('packet', (packet) => this.#incoming(packet));
  }

  /** The traffic so far, and a fresh count from now on. */
  reset(): Traffic {
    const traffic = this.traffic;
    this.traffic = emptyTraffic();
    return traffic;
  }

  #outgoing(packet: EnginePacket): void {
    if (packet.type !== 'message' || typeof packet.data !== 'string') {
      return;
    }
    // +1: Engine.IO's type character in front of the Socket.IO packet.
    const bytes = Buffer.byteLength(packet.data) + 1;
    const event = EVENT.exec(packet.data);
    if (event?.[2] === 'relayKey') {
      this.traffic.bytesToServer += bytes;
      if (event[1]) {
        this.#relayIds.add(event[1]);
      }
    } else {
      this.traffic.otherBytes += bytes;
    }
  }

  #incoming(packet: EnginePacket): void {
    if (packet.type !== 'message' || typeof packet.data !== 'string') {
      return;
    }
    const bytes = Buffer.byteLength(packet.data) + 1;
    const ack = ACK.exec(packet.data);
    if (ack && this.#relayIds.delete(ack[1] as string)) {
      this.traffic.bytesFromServer += bytes;
      return;
    }
    if (EVENT.exec(packet.data)?.[2] === 'keyEnvelope') {
      this.traffic.bytesFromServer += bytes;
      this.traffic.envelopesIn++;
      return;
    }
    this.traffic.otherBytes += bytes;
  }
}
