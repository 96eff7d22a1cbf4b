/**
 * A member that does the web app's key distribution (E2eeSession with the
 * real KeyManager, Node's WebCrypto) over the real signaling relay: a room
 * token, the `/room` handshake, `join` with its identity, then the room's
 * events fed to its KeyManager in order, envelopes sent as `relayKey`
 * requests. Membership events can be held back and released, so that a
 * measurement window holds the key exchange and not the join itself.
 */
import { createLocalIdentity, KeyManager, type LocalIdentity } from '@confidentiel/e2ee';
import { PROTOCOL_VERSION, type Joined, type MemberInfo } from '@confidentiel/protocol';
import type { Socket } from 'socket.io-client';
import { botAddress, requestJoinToken } from '../signaling/http.ts';
import { ask, BOT_TIMEOUT_MS, connectSocket, type JoinTarget } from '../signaling/joinBot.ts';
import { TrafficCounter } from './traffic.ts';

type Membership = { type: 'joined'; member: MemberInfo } | { type: 'left'; memberId: string };

export class KeyBot {
  readonly self: MemberInfo;
  readonly socket: Socket;
  readonly counter = new TrafficCounter();
  /** The other members, as this member knows them. */
  readonly members = new Map<string, MemberInfo>();
  /** Epoch of each member's key this member holds (from the KeyManager's receiverKey events). */
  readonly held = new Map<string, number>();
  km: KeyManager | null = null;
  /** Set-up and repairs: envelopes go to the recipient in this process, not through the server (see #relay). */
  direct: ((memberId: string) => KeyBot | undefined) | null = null;
  /** When the last relay request went out (ms, performance clock): the room is quiet once none goes. */
  lastSendAt = 0;
  /** relayKey requests not done yet (paced, answered, retried), and KeyManager calls not finished yet. */
  inFlight = 0;
  busy = 0;
  readonly #identity: LocalIdentity;
  #holding = false;
  #held: Membership[] = [];
  /** Envelopes the server refused during measured events, for `replayLost`. */
  #lost: Array<[to: string, envelope: string]> = [];

  private constructor(self: MemberInfo, socket: Socket, identity: LocalIdentity, answer: Joined) {
    this.self = self;
    this.socket = socket;
    this.#identity = identity;
    for (const member of answer.members) {
      this.members.set(member.memberId, member);
    }
    this.counter.attach(socket);
    socket.on('memberJoined', ({ member }: { member: MemberInfo }) =>
      this.#membership({ type: 'joined', member }),
    );
    socket.on('memberLeft', ({ memberId }: { memberId: string }) =>
      this.#membership({ type: 'left', memberId }),
    );
    socket.on('keyEnvelope', ({ from, envelope }: { from: string; envelope: string }) =>
      this.deliver(from, envelope),
    );
  }

  /** Token, handshake and join (the KeyManager is not started: `start`). */
  static async join(target: JoinTarget, meetingId: string, index: number): Promise<KeyBot> {
    const identity = await createLocalIdentity();
    const address = botAddress(index);
    const token = await requestJoinToken(
      target.baseUrl,
      target.origin,
      meetingId,
      `Member ${index}`,
      address,
    );
    const socket = await connectSocket(`${target.baseUrl}/room`, target.origin, address, {
      token,
      protocolVersion: PROTOCOL_VERSION,
    });
    // Listeners go on before the join's answer can be followed by events.
    const early: Membership[] = [];
    const collect = (event: Membership): void => void early.push(event);
    const onJoined = ({ member }: { member: MemberInfo }): void => collect({ type: 'joined', member });
    const onLeft = ({ memberId }: { memberId: string }): void => collect({ type: 'left', memberId });
    socket.on('memberJoined', onJoined);
    socket.on('memberLeft', onLeft);
    try {
      const answer = (await ask(socket, 'join', { identity: identity.publicKeys })) as Joined;
      if (answer.status !== 'joined') {
        throw new Error(`join answered ${String(answer.status)}`);
      }
      socket.off('memberJoined', onJoined);
      socket.off('memberLeft', onLeft);
      const bot = new KeyBot(answer.self, socket, identity, answer);
      for (const event of early) {
        bot.#membership(event);
      }
      return bot;
    } catch (error) {
      socket.close();
      throw error;
    }
  }

  /** Starts the KeyManager with the members known now (E2eeSession does it on `joined`). */
  start(): Promise<void> {
    const km = new KeyManager({
      self: this.self,
      identity: this.#identity,
      send: (to, envelope) => this.#relay(to, envelope),
    });
    this.km = km;
    km.on('receiverKey', ({ memberId, epoch, key }) => {
      this.held.set(memberId, epoch);
      key.fill(0);
    });
    km.on('receiverRemoved', ({ memberId }) => this.held.delete(memberId));
    km.on('senderKey', ({ key }) => key.fill(0));
    const started = km.start([...this.members.values()]);
    this.#track(started);
    return started;
  }

  /** Membership events wait until `release` (the join or leave itself stays out of the window). */
  hold(): void {
    this.#holding = true;
  }

  release(): void {
    this.#holding = false;
    const events = this.#held;
    this.#held = [];
    for (const event of events) {
      this.#membership(event);
    }
  }

  get heldEvents(): number {
    return this.#held.length;
  }

  /**
   * Says goodbye, then closes, as MeetingClient.leave does: a refused
   * goodbye (rate-limited after a burst of envelopes) is only logged there,
   * and closing the socket makes the server take the member out at once.
   * Resolves with the refusal, if any.
   */
  async leave(): Promise<string | null> {
    try {
      await ask(this.socket, 'leave', {});
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      this.close();
    }
  }

  close(): void {
    this.km?.close();
    this.socket.close();
  }

  #membership(event: Membership): void {
    if (this.#holding) {
      this.#held.push(event);
      return;
    }
    if (event.type === 'joined') {
      this.members.set(event.member.memberId, event.member);
      this.#track(this.km?.memberJoined(event.member));
    } else {
      this.members.delete(event.memberId);
      this.#track(this.km?.memberLeft(event.memberId));
    }
  }

  /** Counts a KeyManager call until it is done (failures are the KeyManager's to report). */
  #track(work: Promise<void> | undefined): void {
    if (work === undefined) {
      return;
    }
    this.busy++;
    work.then(
      () => this.busy--,
      () => this.busy--,
    );
  }

  /**
   * One `relayKey` as E2eeSession sends it: once; a refusal (rate-limited)
   * is counted and the envelope kept for `replayLost`, then the KeyManager
   * is told (it leaves lost envelopes to its acknowledgement timeout).
   * Outside the measurements (`direct` set: the set-up, the repairs) the
   * envelope is handed to its recipient in this process instead.
   */
  async #relay(to: string, envelope: string): Promise<void> {
    if (this.direct) {
      this.lastSendAt = performance.now();
      this.direct(to)?.deliver(this.self.memberId, envelope);
      return;
    }
    this.inFlight++;
    try {
      const reason = await this.#send(to, envelope);
      if (reason !== null) {
        this.#lost.push([to, envelope]);
        throw new Error(`relayKey refused: ${reason}`);
      }
    } finally {
      this.inFlight--;
    }
  }

  /** An envelope from `from`, handed over in this process (see `direct`). */
  deliver(from: string, envelope: string): void {
    this.#track(this.km?.receiveEnvelope(from, envelope));
  }

  /** Hands the envelopes the server refused so far to their recipients (a repair, outside the measurements). */
  replayLost(): void {
    const lost = this.#lost;
    this.#lost = [];
    for (const [to, envelope] of lost) {
      this.lastSendAt = performance.now();
      this.direct?.(to)?.deliver(this.self.memberId, envelope);
    }
  }

  /** The request, counted; null when relayed, else the refusal's reason. */
  async #send(to: string, envelope: string): Promise<string | null> {
    const traffic = this.counter.traffic;
    traffic.relaySent++;
    this.lastSendAt = performance.now();
    let ack: { ok: true } | { ok: false; error: { reason: string } };
    try {
      ack = (await this.socket
        .timeout(BOT_TIMEOUT_MS)
        .emitWithAck('relayKey', { to, envelope })) as typeof ack;
    } catch {
      return 'no answer';
    }
    if (ack.ok) {
      return null;
    }
    traffic.refused.set(ack.error.reason, (traffic.refused.get(ack.error.reason) ?? 0) + 1);
    return ack.error.reason;
  }
}
