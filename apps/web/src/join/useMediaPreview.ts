import { useCallback, useEffect, useRef, useState } from 'react';
import { cameraConstraints, microphoneConstraints } from '../media/encodings.ts';

export type PreviewError = 'denied' | 'not-found' | 'failed';

/** What the person is told about a preview that could not start (join page and waiting room). */
export function previewProblemKey(
  error: PreviewError | null,
): 'join.mediaDenied' | 'join.mediaNotFound' | 'join.mediaError' | null {
  switch (error) {
    case 'denied':
      return 'join.mediaDenied';
    case 'not-found':
      return 'join.mediaNotFound';
    case 'failed':
      return 'join.mediaError';
    default:
      return null;
  }
}

export interface PreviewState {
  status: 'loading' | 'ready' | 'error';
  stream: MediaStream | null;
  error: PreviewError | null;
  devices: MediaDeviceInfo[];
}

export interface PreviewOptions {
  cameraId: string | null;
  microphoneId: string | null;
  cameraEnabled: boolean;
}

export interface TakenTracks {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

function errorKind(error: unknown): PreviewError {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'denied';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return 'not-found';
  }
  return 'failed';
}

/** Asks for camera and microphone together; if one is missing, settles for the other. */
async function acquire(options: PreviewOptions): Promise<MediaStream> {
  const audio = microphoneConstraints(options.microphoneId);
  const video = options.cameraEnabled ? cameraConstraints(options.cameraId) : false;
  try {
    return await navigator.mediaDevices.getUserMedia({ audio, video });
  } catch (error) {
    if (errorKind(error) !== 'not-found' || video === false) {
      throw error;
    }
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio });
  } catch {
    return navigator.mediaDevices.getUserMedia({ video });
  }
}

function stopAll(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) {
    track.stop();
  }
}

/**
 * The pre-join camera and microphone preview. The tracks can be handed to the
 * meeting (`takeTracks`), so joining does not ask for the devices twice.
 */
export function usePreview(options: PreviewOptions): PreviewState & { takeTracks: () => TakenTracks } {
  const [state, setState] = useState<PreviewState>({
    status: 'loading',
    stream: null,
    error: null,
    devices: [],
  });
  const current = useRef<MediaStream | null>(null);

  useEffect(() => {
    let cancelled = false;
    setState((previous) => ({ ...previous, status: 'loading' }));
    stopAll(current.current);
    current.current = null;
    const devicesAvailable = typeof navigator !== 'undefined' && navigator.mediaDevices !== undefined;
    if (!devicesAvailable) {
      setState({ status: 'error', stream: null, error: 'failed', devices: [] });
      return undefined;
    }
    acquire(options)
      .then(async (stream) => {
        if (cancelled) {
          stopAll(stream);
          return;
        }
        current.current = stream;
        const devices = await navigator.mediaDevices.enumerateDevices();
        if (!cancelled) {
          setState({ status: 'ready', stream, error: null, devices });
        }
      })
      .catch(async (error: unknown) => {
        if (cancelled) {
          return;
        }
        const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
        setState({ status: 'error', stream: null, error: errorKind(error), devices });
      });
    return () => {
      cancelled = true;
    };
  }, [options.cameraId, options.microphoneId, options.cameraEnabled]);

  // A device plugged in or out shows up in the lists.
  useEffect(() => {
    const mediaDevices = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    if (!mediaDevices) {
      return undefined;
    }
    const refresh = (): void => {
      mediaDevices
        .enumerateDevices()
        .then((devices) => setState((previous) => ({ ...previous, devices })))
        .catch(() => undefined);
    };
    mediaDevices.addEventListener('devicechange', refresh);
    return () => mediaDevices.removeEventListener('devicechange', refresh);
  }, []);

  // Leaving the page releases the devices, unless the meeting took them.
  useEffect(
    () => () => {
      stopAll(current.current);
      current.current = null;
    },
    [],
  );

  const takeTracks = useCallback((): TakenTracks => {
    const stream = current.current;
    current.current = null;
    return { audio: stream?.getAudioTracks()[0] ?? null, video: stream?.getVideoTracks()[0] ?? null };
  }, []);

  return { ...state, takeTracks };
}
