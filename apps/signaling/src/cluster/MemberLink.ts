import type { Namespace } from 'socket.io';

/**
 * A member's connection as the meeting's owner node sees it: a socket id,
 * wherever the socket is. Every operation goes through the namespace, so
 * with the Redis streams adapter it reaches a socket on another node (and
 * keeps its order with the owner's other emits); on one node it is the
 * socket itself. Mirrors the part of Socket.IO's `Socket` a MemberSession uses.
 */
export class MemberLink {
  readonly nsp: Namespace;
  readonly id: string;
  #connected = true;

  constructor(nsp: Namespace, socketId: string) {
    this.nsp = nsp;
    this.id = socketId;
  }

  /** False once the socket's node said it disconnected (it may come back: recovery). */
  get connected(): boolean {
    return this.#connected;
  }

  markDisconnected(): void {
    this.#connected = false;
  }

  emit(event: string, ...args: unknown[]): void {
    this.nsp.to(this.id).emit(event, ...args);
  }

  /** Everyone in `room` but this socket (Socket.IO's `socket.to(room)`). */
  to(room: string): ReturnType<Namespace['except']> {
    return this.nsp.to(room).except(this.id);
  }

  join(rooms: string | string[]): Promise<void> {
    this.nsp.in(this.id).socketsJoin(rooms);
    return Promise.resolve();
  }

  leave(room: string): Promise<void> {
    this.nsp.in(this.id).socketsLeave(room);
    return Promise.resolve();
  }

  /** Closes the connection after what was emitted before (the client does not reconnect). */
  disconnect(): void {
    this.#connected = false;
    this.nsp.in(this.id).disconnectSockets(false);
  }
}
