import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.ts';
import { RECOVERY_WAIT_MS, RoomConnection, type RoomSocket } from './RoomConnection.ts';

/** A socket that reconnects by itself, driven by the test. */
class ReconnectingSocket implements RoomSocket {
  readonly reconnects = true;
  wasRecovered = false;
  token = '';
  readonly #listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  on(event: string, listener: (...args: unknown[]) => void): void {
    const set = this.#listeners.get(event) ?? new Set();
    set.add(listener);
    this.#listeners.set(event, set);
  }
  off(event: string, listener: (...args: unknown[]) => void): void {
    this.#listeners.get(event)?.delete(listener);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      listener(...args);
    }
  }
  emitWithAck(): Promise<unknown> {
    return Promise.resolve({ ok: true, data: {} });
  }
  disconnect(): void {}
  recovered(): boolean {
    return this.wasRecovered;
  }
  setToken(token: string): void {
    this.token = token;
  }
}

function open(): {
  socket: ReconnectingSocket;
  connection: RoomConnection;
  ended: string[];
  recovered: number[];
} {
  const socket = new ReconnectingSocket();
  const connection = new RoomConnection({ token: 't', socketFactory: () => socket, logger: silentLogger });
  const ended: string[] = [];
  const recovered: number[] = [];
  connection.on('disconnected', (reason) => ended.push(reason));
  connection.on('recovered', () => recovered.push(1));
  return { socket, connection, ended, recovered };
}

describe('RoomConnection after a network drop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes on when Socket.IO reconnects and the server recovered the session', () => {
    const { socket, ended, recovered } = open();
    socket.emit('disconnect', 'transport close');
    expect(ended).toEqual([]);
    socket.wasRecovered = true;
    socket.emit('connect');
    expect(ended).toEqual([]);
    expect(recovered).toHaveLength(1);
  });

  it('ends when the reconnection was not recovered (the server forgot the session)', () => {
    const { socket, ended } = open();
    socket.emit('disconnect', 'ping timeout');
    socket.wasRecovered = false;
    socket.emit('connect');
    expect(ended).toEqual(['not recovered']);
  });

  it('ends when no reconnection comes within the recovery wait', () => {
    vi.useFakeTimers();
    const { socket, ended } = open();
    socket.emit('disconnect', 'transport close');
    vi.advanceTimersByTime(RECOVERY_WAIT_MS - 1);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ended).toEqual(['transport close']);
  });

  it('ends at once when the server closed the connection', () => {
    const { socket, ended } = open();
    socket.emit('disconnect', 'io server disconnect');
    expect(ended).toEqual(['io server disconnect']);
  });

  it('presents the refreshed token on the next reconnection', () => {
    const { socket, connection } = open();
    connection.setToken('fresh');
    expect(socket.token).toBe('fresh');
  });
});
