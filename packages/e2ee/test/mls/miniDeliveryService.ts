import type { MemberInfo, MemberRole } from '@confidentiel/protocol';
import { createLocalIdentity, type LocalIdentity } from '../../src/index.ts';
import { MlsKeyManager } from '../../src/mls/index.ts';
import { LINK_SECRET } from './harness.ts';

/**
 * An in-memory stand-in for signaling's Delivery Service (the real one, with its Redis twin, is
 * tested in apps/signaling/test/mls): one commit per epoch, fan-out in order, Welcomes to their
 * addressee. Deliveries are asynchronous (a macrotask each), as over a socket.
 */
export class MiniDeliveryService {
  epoch: number | null = null;
  readonly inGroup = new Set<string>();
  readonly keyPackages = new Map<string, string>();
  readonly nodes = new Map<string, Node>();
  relayed = { messages: 0, bytes: 0 };
  /** Commits of these members never get an answer (a committer that vanishes mid-commit). */
  readonly hanging = new Set<string>();
  /** Commits the Delivery Service accepted, and refused as stale. */
  accepted = 0;
  stale = 0;
  /** Drops deliveries to a member (a browser that misses messages). */
  drop: (to: string, kind: string) => boolean = () => false;
  #nextIndex = 1;

  async add(
    name: string,
    role: MemberRole = 'participant',
    options: { committerStepMs?: number } = {},
  ): Promise<Node> {
    const identity = await createLocalIdentity({ linkSecret: LINK_SECRET });
    const info: MemberInfo = {
      memberId: `${name}-${'x'.repeat(8)}`,
      displayName: name,
      joinedAt: Date.now(),
      identity: identity.publicKeys,
      senderIndex: this.#nextIndex++,
      role,
    };
    const node = new Node(info, identity, this, options.committerStepMs ?? 300);
    const others = [...this.nodes.values()];
    this.nodes.set(info.memberId, node);
    for (const other of others) {
      void other.manager.memberJoined(info);
    }
    void node.manager.start(others.map((o) => o.info));
    return node;
  }

  leave(node: Node): void {
    node.manager.close();
    this.nodes.delete(node.info.memberId);
    this.keyPackages.delete(node.info.memberId);
    this.inGroup.delete(node.info.memberId);
    for (const other of this.nodes.values()) {
      void other.manager.memberLeft(node.info.memberId);
    }
    if (this.inGroup.size === 0 && this.nodes.size > 0) {
      this.epoch = null;
      for (const other of this.nodes.values()) {
        this.#deliver(other, 'reset', 0, () => other.manager.reset());
      }
    }
  }

  join(memberId: string, keyPackage: string) {
    this.keyPackages.set(memberId, keyPackage);
    if (this.epoch === null) {
      this.epoch = 0;
      this.inGroup.add(memberId);
      const keyPackages = [...this.keyPackages]
        .filter(([id]) => id !== memberId)
        .map(([id, kp]) => ({ memberId: id, keyPackage: kp }));
      return { create: true, epoch: 0, keyPackages };
    }
    for (const node of this.nodes.values()) {
      if (node.info.memberId !== memberId) {
        this.#deliver(node, 'kp', keyPackage.length, () =>
          node.manager.receiveKeyPackage(memberId, keyPackage),
        );
      }
    }
    return { create: false, epoch: this.epoch, keyPackages: [] };
  }

  commit(memberId: string, request: { epoch: number; commit: string; welcome?: string; added: string[] }) {
    if (request.epoch !== this.epoch) {
      this.stale++;
      return { accepted: false, epoch: this.epoch ?? 0 };
    }
    this.accepted++;
    this.epoch = request.epoch + 1;
    for (const node of this.nodes.values()) {
      if (node.info.memberId !== memberId) {
        this.#deliver(node, 'commit', request.commit.length, () =>
          node.manager.receiveCommit(memberId, request.epoch, request.commit),
        );
      }
    }
    for (const id of request.added) {
      const node = this.nodes.get(id);
      this.inGroup.add(id);
      if (node !== undefined && request.welcome !== undefined) {
        const welcome = request.welcome;
        this.#deliver(node, 'welcome', welcome.length, () => node.manager.receiveWelcome(memberId, welcome));
      }
    }
    return { accepted: true, epoch: this.epoch };
  }

  #deliver(node: Node, kind: string, bytes: number, run: () => Promise<void>): void {
    if (this.drop(node.info.memberId, kind)) {
      return;
    }
    this.relayed.messages++;
    this.relayed.bytes += bytes;
    setTimeout(() => void run(), 0);
  }
}

const hex = (key: Uint8Array) => Buffer.from(key).toString('hex');

/** One member's browser: its manager and the keys it handed to its worker. */
export class Node {
  readonly manager: MlsKeyManager;
  /** Keys given for receiving: member id -> epoch -> key (hex). */
  readonly receiving = new Map<string, Map<number, string>>();
  sending: { epoch: number; key: string } | undefined;
  roomCode: string | undefined;
  readonly refused: string[] = [];
  readonly info: MemberInfo;

  constructor(info: MemberInfo, identity: LocalIdentity, ds: MiniDeliveryService, committerStepMs: number) {
    this.info = info;
    this.manager = new MlsKeyManager({
      self: info,
      identity,
      linkSecret: LINK_SECRET,
      transport: {
        join: (keyPackage) => Promise.resolve(ds.join(info.memberId, keyPackage)),
        commit: (request) =>
          ds.hanging.has(info.memberId)
            ? new Promise(() => undefined)
            : Promise.resolve(ds.commit(info.memberId, request)),
      },
      send: () => Promise.resolve(),
      switchDelayMs: 30,
      committerStepMs,
      batchDelayMs: 10,
      welcomeTimeoutMs: 1_500,
      behindGraceMs: 200,
    });
    this.manager.on('senderKey', ({ epoch, key }) => {
      this.sending = { epoch, key: hex(key) };
      // Our frames reach the others: a member without this epoch's key asks (its worker would).
      for (const other of ds.nodes.values()) {
        if (other !== this && other.receiving.get(info.memberId)?.get(epoch) === undefined) {
          setTimeout(() => void other.manager.requestKey(info.memberId, epoch), 0);
        }
      }
    });
    this.manager.on('receiverKey', ({ memberId, epoch, key }) => {
      let epochs = this.receiving.get(memberId);
      if (epochs === undefined) {
        epochs = new Map();
        this.receiving.set(memberId, epochs);
      }
      epochs.set(epoch, hex(key));
    });
    this.manager.on('receiverRemoved', ({ memberId }) => this.receiving.delete(memberId));
    this.manager.on('roomCode', (code) => {
      this.roomCode = code;
    });
    this.manager.on('rejected', ({ reason }) => this.refused.push(reason));
  }
}

/** Every member sends under one epoch, and every other member holds exactly that key of it. */
export function converged(nodes: readonly Node[]): boolean {
  const epoch = nodes[0]?.sending?.epoch;
  if (epoch === undefined) {
    return false;
  }
  if (nodes.some((a) => a.sending?.epoch !== epoch || a.roomCode !== nodes[0]!.roomCode)) {
    return false;
  }
  for (const a of nodes) {
    for (const b of nodes) {
      if (a !== b && a.receiving.get(b.info.memberId)?.get(epoch) !== b.sending!.key) {
        return false;
      }
    }
  }
  return true;
}

export async function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`not reached within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}
