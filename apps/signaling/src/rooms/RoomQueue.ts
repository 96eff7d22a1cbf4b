/**
 * Runs the steps of one room one at a time, in call order. Each RoomState
 * call is atomic, a sequence of them is not: a guest who looks for a host
 * and then enters the lobby, a member who reads the room and then adds
 * themselves, must not interleave with a host arriving or another member
 * joining. In memory, the calls used to be synchronous; with Redis each is a
 * round trip, and this keeps their sequences whole (on the node that owns
 * the meeting, the only one writing it).
 *
 * A task must not wait for another task of the same room (it would wait for
 * itself); a failed task does not stop the ones after it.
 */
export class RoomQueue {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(roomId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(roomId) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(roomId, tail);
    void tail.then(() => {
      if (this.#tails.get(roomId) === tail) {
        this.#tails.delete(roomId);
      }
    });
    return result;
  }

  /** Rooms with a task running or waiting (for tests and metrics). */
  get size(): number {
    return this.#tails.size;
  }
}
