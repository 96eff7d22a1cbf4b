import type { Namespace } from 'socket.io';

/**
 * The part of a Socket.IO socket a session uses. Socket.IO's `Socket` is
 * one; a cluster's `MemberLink` (a socket id reached through the namespace,
 * on whatever node the socket is) is another.
 */
export interface SessionSocket {
  readonly id: string;
  readonly connected: boolean;
  readonly nsp: Namespace;
  emit(event: string, ...args: unknown[]): unknown;
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
  join(rooms: string | string[]): Promise<void> | void;
  leave(room: string): Promise<void> | void;
  disconnect(): unknown;
}
