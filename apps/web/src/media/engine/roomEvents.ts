import type { CommitteeState, Joined, ModerationAction } from '@confidentiel/protocol';
import type { MeetingClientEvents } from '../meetingClientTypes.ts';
import { MeetingError } from '../MeetingError.ts';
import { displayNameOf, type EndReason, type MeetingAction, type MeetingState } from '../meetingState.ts';
import type { RoomConnection } from '../RoomConnection.ts';
import type { MediaResetReason } from './lifecycle.ts';
import type { RemoteSubscriber } from './RemoteSubscriber.ts';

/** Server events that arrive before the join answer wait here, and are replayed after it. */
export class JoinGate {
  #held: Array<() => void> | null = [];

  /** Runs `handler` now if the join answer is in, else once it is. */
  run(handler: () => void): void {
    if (this.#held) {
      this.#held.push(handler);
    } else {
      handler();
    }
  }

  /** The join answer is in: replays what waited, in order. */
  open(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const handler of held) {
      handler();
    }
  }
}

/** What the room's events act on (MeetingClient's insides, as narrow as they go). */
export interface RoomEventSink {
  state(): MeetingState;
  dispatch(action: MeetingAction): void;
  emit<K extends keyof MeetingClientEvents>(event: K, ...args: MeetingClientEvents[K]): void;
  subscriber: RemoteSubscriber;
  followModeration(action: ModerationAction): void;
  admitted(joined: Joined): void;
  committee(state: CommitteeState): void;
  mediaReset(reason: MediaResetReason): void;
  end(reason: EndReason, error: MeetingError | null): void;
  /** A host sent us back to the waiting room: not an end, a new wait. */
  sentToLobby(): void;
}

/** Turns each validated server event into state changes, client events and media work. */
export function listenToRoom(connection: RoomConnection, gate: JoinGate, sink: RoomEventSink): void {
  const afterJoin =
    <A>(handler: (payload: A) => void) =>
    (payload: A): void =>
      gate.run(() => handler(payload));
  const { subscriber } = sink;

  connection.on(
    'memberJoined',
    afterJoin(({ member }) => {
      const before = sink.state().members;
      sink.dispatch({ type: 'memberJoined', member });
      if (sink.state().members !== before) {
        sink.emit('memberJoined', member);
        sink.emit('notice', { type: 'memberJoined', displayName: member.displayName });
        subscriber.consumeMissing();
      }
    }),
  );
  connection.on(
    'memberLeft',
    afterJoin(({ memberId }) => {
      const state = sink.state();
      const name = displayNameOf(state, memberId);
      const known = state.members.some((m) => m.memberId === memberId);
      subscriber.closeConsumersOfMember(memberId);
      sink.dispatch({ type: 'memberLeft', memberId });
      if (known) {
        sink.emit('memberLeft', memberId);
      }
      if (name !== null && memberId !== sink.state().self?.memberId) {
        sink.emit('notice', { type: 'memberLeft', displayName: name });
      }
    }),
  );
  connection.on(
    'keyEnvelope',
    afterJoin(({ from, envelope }) => sink.emit('keyEnvelope', { from, envelope })),
  );
  connection.on(
    'mlsKeyPackage',
    afterJoin(({ memberId, keyPackage }) => sink.emit('mlsKeyPackage', { memberId, keyPackage })),
  );
  connection.on(
    'mlsCommit',
    afterJoin(({ from, epoch, commit }) => sink.emit('mlsCommit', { from, epoch, commit })),
  );
  connection.on(
    'mlsWelcome',
    afterJoin(({ from, epoch, welcome }) => sink.emit('mlsWelcome', { from, epoch, welcome })),
  );
  connection.on(
    'mlsReset',
    afterJoin(() => sink.emit('mlsReset')),
  );
  connection.on(
    'chatMessage',
    afterJoin(({ from, ciphertext, sentAt }) => sink.emit('chatMessage', { from, ciphertext, sentAt })),
  );
  connection.on(
    'producerAdded',
    afterJoin(({ producer }) => {
      sink.dispatch({ type: 'producerAdded', producer });
      // While a repair makes new transports this does nothing: the rebuild consumes it, once.
      subscriber.consumeMissing();
    }),
  );
  connection.on(
    'producerClosed',
    afterJoin(({ producerId }) => {
      subscriber.closeConsumerOf(producerId);
      sink.dispatch({ type: 'producerClosed', producerId });
    }),
  );
  connection.on(
    'producerPaused',
    afterJoin(({ producerId, paused }) => sink.dispatch({ type: 'producerPaused', producerId, paused })),
  );
  connection.on(
    'consumerClosed',
    afterJoin(({ consumerId }) => {
      subscriber.closeConsumer(consumerId);
      sink.dispatch({ type: 'consumerClosed', consumerId });
    }),
  );
  connection.on(
    'activeSpeaker',
    afterJoin(({ memberId }) => {
      const state = sink.state();
      if (memberId === state.activeSpeakerId) {
        return;
      }
      sink.dispatch({ type: 'activeSpeaker', memberId });
      const name = memberId === null ? null : displayNameOf(sink.state(), memberId);
      if (memberId !== null && name !== null) {
        sink.emit('notice', {
          type: 'activeSpeaker',
          displayName: name,
          isSelf: memberId === sink.state().self?.memberId,
        });
      }
    }),
  );
  connection.on('admitted', (joined) => sink.admitted(joined));
  connection.on('lobbyChanged', ({ waiting }) => {
    const known = new Set(sink.state().lobby.map((w) => w.memberId));
    sink.dispatch({ type: 'lobby', waiting });
    for (const entry of waiting) {
      if (!known.has(entry.memberId)) {
        sink.emit('notice', { type: 'lobbyArrival', displayName: entry.displayName });
      }
    }
  });
  connection.on(
    'roomUpdated',
    afterJoin((room) => sink.dispatch({ type: 'room', room })),
  );
  connection.on(
    'memberUpdated',
    afterJoin(({ member }) => {
      sink.dispatch({ type: 'memberUpdated', member });
      sink.emit('memberUpdated', member);
    }),
  );
  connection.on(
    'moderated',
    afterJoin(({ action, by }) => {
      sink.followModeration(action);
      sink.emit('notice', { type: 'moderated', action, byName: displayNameOf(sink.state(), by) });
    }),
  );
  connection.on(
    'committeeState',
    afterJoin((state) => sink.committee(state)),
  );
  connection.on(
    'floorChanged',
    afterJoin(({ speaking }) => sink.emit('floorChanged', speaking)),
  );
  connection.on(
    'mediaReset',
    afterJoin(({ reason }) => sink.mediaReset(reason)),
  );
  connection.on('roomClosed', ({ reason }) => {
    if (reason === 'sent-to-lobby') {
      sink.sentToLobby();
    } else {
      sink.end(reason, null);
    }
  });
  connection.on('disconnected', (reason) => {
    sink.end('connection-lost', new MeetingError('connection-lost', `disconnected: ${reason}`));
  });
}
