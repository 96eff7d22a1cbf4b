/**
 * Per-member CPU of key distribution, in process, with the real KeyManager
 * and Node's WebCrypto (the primitives a browser uses), for rooms far
 * larger than the server runs can build. A "focal" room: member X knows
 * all n−2 others (and holds their keys), while each other member knows only
 * X (and, once it arrives, the newcomer N). Pairwise channels are
 * independent, so what X and N do (seal, open, ratchet, acknowledge) is
 * exactly what they do in a full room of n, while setting the room up costs
 * O(n) instead of O(n²). Envelopes go through an in-memory relay, delivered
 * member by member: the CPU of one member's step is that member's alone.
 *
 * Events, for a room of n after the join and before the leave: N joins
 * n−1 members (X among them), then N leaves again (X and n−2 others remain).
 * "CPU" below is whatever the meter reads (see Meter).
 */
import {
  createLocalIdentity,
  KeyManager,
  pairSafetyCode,
  roomSafetyCode,
  type LocalIdentity,
} from '@confidentiel/e2ee';
import type { MemberInfo } from '@confidentiel/protocol';

/**
 * What a member's step costs, in ms, read before and after it: the process's
 * CPU in Node (process.cpuUsage), the wall clock in a browser page. No Node
 * module here: the page runs this file too (browserFocal.ts).
 */
export type Meter = () => number;

/** A member id as signaling makes them: 12 random bytes, base64url (16 characters). */
function memberId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Delivery passes after an event (a join or a leave settles in 3: keys, acks, nothing). */
const MAX_PASSES = 10;

interface SimMember {
  readonly info: MemberInfo;
  readonly identity: LocalIdentity;
  readonly km: KeyManager;
  inbox: Array<[from: string, envelope: string]>;
  sent: number;
  sentChars: number;
  received: number;
}

/** What one member did during one event. */
export interface MemberWork {
  cpuMs: number;
  sent: number;
  received: number;
}

export interface FocalResult {
  n: number;
  /** The newcomer joining n−1 members. */
  newcomerJoin: MemberWork;
  /** A member already there, on that join. */
  memberJoin: MemberWork;
  /** A member that stays, when one of n leaves. */
  memberLeave: MemberWork;
  /** Envelopes relayed for the join, all members (exact: every member's sends are counted). */
  joinEnvelopes: number;
  /** Envelopes relayed for the leave, all members: (n−1) × X's, as every remaining member does what X does. */
  leaveEnvelopes: number;
  /** Mean envelope length, base64url characters. */
  envelopeChars: number;
  /** One recomputation of the safety codes E2eeSession does on every join and leave (room code and n−1 pair codes). */
  safetyCodesMs: number;
}

class SimRoom {
  readonly members = new Map<string, SimMember>();
  readonly #meter: Meter;
  /** Members whose CPU is being counted, and their totals for the current event. */
  readonly #cpu = new Map<string, number>();

  constructor(meter: Meter) {
    this.#meter = meter;
  }

  async add(senderIndex: number): Promise<SimMember> {
    const identity = await createLocalIdentity();
    const info: MemberInfo = {
      memberId: memberId(),
      displayName: `Member ${senderIndex}`,
      joinedAt: Date.now(),
      identity: identity.publicKeys,
      senderIndex,
      role: 'participant',
    };
    const member: SimMember = {
      info,
      identity,
      inbox: [],
      sent: 0,
      sentChars: 0,
      received: 0,
      km: new KeyManager({
        self: info,
        identity,
        send: (to, envelope) => {
          member.sent++;
          member.sentChars += envelope.length;
          this.members.get(to)?.inbox.push([info.memberId, envelope]);
          return Promise.resolve();
        },
      }),
    };
    this.members.set(info.memberId, member);
    return member;
  }

  /** Counts `member`'s CPU in every step it takes until `stopCounting`. */
  count(member: SimMember): void {
    this.#cpu.set(member.info.memberId, 0);
  }

  counted(member: SimMember): number {
    return this.#cpu.get(member.info.memberId) ?? 0;
  }

  stopCounting(): void {
    this.#cpu.clear();
  }

  /** Runs `action` as `member`'s step (its CPU counted if it is counted). */
  async step(member: SimMember, action: () => Promise<unknown>): Promise<void> {
    const counting = this.#cpu.has(member.info.memberId);
    const before = counting ? this.#meter() : 0;
    await action();
    if (counting) {
      this.#cpu.set(
        member.info.memberId,
        (this.#cpu.get(member.info.memberId) ?? 0) + this.#meter() - before,
      );
    }
  }

  /**
   * Delivers every envelope until none is left: each pass, the members not
   * counted all at once, then each counted member alone (nothing else runs
   * during its step).
   */
  async settle(): Promise<void> {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const busy = [...this.members.values()].filter((m) => m.inbox.length > 0);
      if (busy.length === 0) {
        return;
      }
      const counted = busy.filter((m) => this.#cpu.has(m.info.memberId));
      await Promise.all(busy.filter((m) => !counted.includes(m)).map((m) => this.#deliver(m)));
      for (const member of counted) {
        await this.step(member, () => this.#deliver(member));
      }
    }
    throw new Error(`key distribution did not settle in ${MAX_PASSES} passes`);
  }

  async #deliver(member: SimMember): Promise<void> {
    const inbox = member.inbox;
    member.inbox = [];
    member.received += inbox.length;
    await Promise.all(inbox.map(([from, envelope]) => member.km.receiveEnvelope(from, envelope)));
  }

  close(): void {
    for (const member of this.members.values()) {
      member.km.close();
    }
  }
}

function snapshot(members: Iterable<SimMember>): Map<string, { sent: number; received: number }> {
  return new Map([...members].map((m) => [m.info.memberId, { sent: m.sent, received: m.received }]));
}

function work(
  room: SimRoom,
  member: SimMember,
  before: Map<string, { sent: number; received: number }>,
): MemberWork {
  const was = before.get(member.info.memberId) ?? { sent: 0, received: 0 };
  return {
    cpuMs: room.counted(member),
    sent: member.sent - was.sent,
    received: member.received - was.received,
  };
}

/** Join then leave in a focal room of `n` (n ≥ 3); see the file's comment. */
export async function runFocal(n: number, meter: Meter): Promise<FocalResult> {
  const room = new SimRoom(meter);
  try {
    const x = await room.add(0);
    const others = await Promise.all(Array.from({ length: n - 2 }, (_, i) => room.add(i + 1)));
    const newcomer = await room.add(n - 1);
    // Set-up: X holds every other member's key and they hold X's; nobody else knows anyone.
    await x.km.start(others.map((m) => m.info));
    await Promise.all(others.map((other) => other.km.start([x.info])));
    await room.settle();

    // The join: everyone there hears of N first (the server tells them before N's keys can arrive).
    let before = snapshot(room.members.values());
    room.count(x);
    room.count(newcomer);
    await room.step(x, () => x.km.memberJoined(newcomer.info));
    await Promise.all(others.map((other) => other.km.memberJoined(newcomer.info)));
    await room.step(newcomer, () => newcomer.km.start([x, ...others].map((m) => m.info)));
    await room.settle();
    const memberJoin = work(room, x, before);
    const newcomerJoin = work(room, newcomer, before);
    let joinEnvelopes = 0;
    for (const member of room.members.values()) {
      joinEnvelopes += member.sent - (before.get(member.info.memberId)?.sent ?? 0);
    }
    room.stopCounting();

    // The leave: N goes; X and the others each draw a fresh key.
    before = snapshot(room.members.values());
    room.members.delete(newcomer.info.memberId);
    newcomer.km.close();
    room.count(x);
    await room.step(x, () => x.km.memberLeft(newcomer.info.memberId));
    await Promise.all(others.map((other) => other.km.memberLeft(newcomer.info.memberId)));
    await room.settle();
    const memberLeave = work(room, x, before);
    room.stopCounting();

    // E2eeSession recomputes the room's code and one pair code per member on each change.
    const identities = [x, ...others, newcomer].map((m) => m.info.identity);
    const codesBefore = meter();
    await roomSafetyCode(identities);
    await Promise.all(identities.slice(1).map((id) => pairSafetyCode(x.info.identity, id)));
    const safetyCodesMs = meter() - codesBefore;

    let chars = 0;
    let sent = 0;
    for (const member of [x, ...others, newcomer]) {
      chars += member.sentChars;
      sent += member.sent;
    }
    return {
      n,
      newcomerJoin,
      memberJoin,
      memberLeave,
      joinEnvelopes,
      leaveEnvelopes: (n - 1) * memberLeave.sent,
      envelopeChars: chars / Math.max(1, sent),
      safetyCodesMs,
    };
  } finally {
    room.close();
  }
}
