import type { Logger } from 'pino';
import type { Namespace } from 'socket.io';
import type { ProducerInfo } from '@confidentiel/protocol';
import type { PauseMicrophones } from '../committee/floor.ts';
import { memberChannel } from '../rooms/channels.ts';
import type { RoomQueue } from '../rooms/RoomQueue.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { SfuClient } from '../sfu/SfuClient.ts';

/** What pausing a member's microphone takes: the media server, the room state and its queue, the room's events. */
export interface MicrophoneDeps {
  sfu: SfuClient;
  state: RoomState;
  queue: RoomQueue;
  nsp: Pick<Namespace, 'to'>;
  logger: Logger;
}

/**
 * Pauses microphone producers as a moderator's mute does (moderationHandlers `muteMember`): on the
 * media server first (no audio reaches anyone from then on), then in the room state, the room told
 * (`producerPaused`) and each member once (`moderated` muted, `by` a member id), so that their
 * browser shows the microphone off. A producer closed meanwhile is skipped. Resolves how many it
 * paused.
 */
export async function pauseMicrophones(
  deps: MicrophoneDeps,
  roomId: string,
  producers: readonly ProducerInfo[],
  by: string,
): Promise<number> {
  const { sfu, state, queue, nsp, logger } = deps;
  const members = new Set<string>();
  let paused = 0;
  for (const { producerId, memberId } of producers) {
    try {
      await sfu.request('setProducerPaused', { roomId, memberId, producerId, paused: true });
    } catch (error) {
      logger.warn(
        { err: error, room: roomId.slice(0, 6), member: memberId.slice(0, 6) },
        'a microphone could not be paused (closed meanwhile?)',
      );
      continue;
    }
    await queue.run(roomId, async () => {
      await state.setProducerPaused(roomId, producerId, true);
      nsp.to(roomId).emit('producerPaused', { producerId, memberId, paused: true });
    });
    members.add(memberId);
    paused++;
  }
  for (const memberId of members) {
    nsp.to(memberChannel(memberId)).emit('moderated', { action: 'muted', by });
  }
  return paused;
}

/** The live (unpaused) microphones of the room's members that `which` selects, by their current role. */
export async function liveMicrophones(
  state: RoomState,
  roomId: string,
  which: Parameters<PauseMicrophones>[0],
): Promise<ProducerInfo[]> {
  const [members, producers] = await Promise.all([state.members(roomId), state.producers(roomId)]);
  const roles = new Map(members.map((member) => [member.memberId, member.role]));
  return producers.filter((producer) => {
    const role = roles.get(producer.memberId);
    return (
      producer.source === 'microphone' &&
      !producer.paused &&
      role !== undefined &&
      which(producer.memberId, role)
    );
  });
}

/** The committee rooms' way to pause microphones in their meeting (CommitteeService.useMicrophones). */
export function roomMicrophones(deps: MicrophoneDeps): (roomId: string) => PauseMicrophones {
  return (roomId) => async (which, by) =>
    pauseMicrophones(deps, roomId, await liveMicrophones(deps.state, roomId, which), by);
}
