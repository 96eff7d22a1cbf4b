import { useEffect, useState } from 'react';
import { createConsoleLogger } from '../logger.ts';
import type { MeetingClient } from '../media/MeetingClient.ts';
import { MemoryChunkQueue, type ChunkQueue } from './ChunkQueue.ts';
import { CommitteeRecorder } from './CommitteeRecorder.ts';
import { openIndexedDbChunkQueue } from './IndexedDbChunkQueue.ts';
import { RecordingApi } from './RecordingApi.ts';

const logger = createConsoleLogger('recording');

async function openQueue(): Promise<ChunkQueue> {
  try {
    return await openIndexedDbChunkQueue();
  } catch (error) {
    // Private browsing in some browsers: recording still works, a reload loses what is queued.
    logger.warn('IndexedDB unavailable: recording chunks are kept in memory only', error);
    return new MemoryChunkQueue();
  }
}

/**
 * The chair's recorder for this meeting (null while the queue opens, or
 * without a link secret). On creation it sends what a previous page left
 * queued; on unmount it stops a recording gracefully and releases the queue
 * once that is done.
 */
export function useCommitteeRecorder(
  client: MeetingClient,
  meetingId: string,
  committeeSecret: string | null,
  enabled: boolean,
): CommitteeRecorder | null {
  const [recorder, setRecorder] = useState<CommitteeRecorder | null>(null);
  useEffect(() => {
    if (!enabled || committeeSecret === null) {
      return undefined;
    }
    let cancelled = false;
    let made: { recorder: CommitteeRecorder; queue: ChunkQueue } | null = null;
    void openQueue().then((queue) => {
      if (cancelled) {
        queue.close();
        return;
      }
      const instance = new CommitteeRecorder({
        client,
        meetingId,
        committeeSecret,
        server: new RecordingApi(() => client.token),
        queue,
        logger,
      });
      made = { recorder: instance, queue };
      setRecorder(instance);
      instance.resume().catch((error: unknown) => logger.warn('resuming recordings failed', error));
    });
    return () => {
      cancelled = true;
      setRecorder(null);
      if (made) {
        const { recorder: instance, queue } = made;
        instance.close();
        // The queue stays open until the graceful stop has sent what it could.
        const release = (): void => {
          if (instance.snapshot.phase === 'idle') {
            off();
            queue.close();
          }
        };
        const off = instance.on('snapshot', release);
        release();
      }
    };
  }, [client, meetingId, committeeSecret, enabled]);
  return recorder;
}
