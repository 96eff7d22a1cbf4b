import type { Logger } from '../../logger.ts';
import { cameraConstraints, microphoneConstraints, SCREEN_CONSTRAINTS } from '../encodings.ts';
import type { MediaAcquirer } from '../meetingClientTypes.ts';
import { MeetingError } from '../MeetingError.ts';

/** Where new local tracks come from: the chosen camera and microphone, and the screen picker. */
export class LocalCapture {
  readonly #media: MediaAcquirer;
  readonly #logger: Logger;
  readonly #deviceIds: { camera: string | null; microphone: string | null } = {
    camera: null,
    microphone: null,
  };

  constructor(media: MediaAcquirer, logger: Logger) {
    this.#media = media;
    this.#logger = logger;
  }

  /** Remembers the device chosen for the next capture (null keeps the previous choice). */
  choose(kind: 'camera' | 'microphone', deviceId: string | null | undefined): void {
    this.#deviceIds[kind] = deviceId ?? this.#deviceIds[kind];
  }

  /** A new track from the chosen device; `isOpen` is asked once it is there (a closed client stops it). */
  async acquire(kind: 'camera' | 'microphone', isOpen: () => boolean): Promise<MediaStreamTrack> {
    const constraints: MediaStreamConstraints =
      kind === 'camera'
        ? { video: cameraConstraints(this.#deviceIds.camera) }
        : { audio: microphoneConstraints(this.#deviceIds.microphone) };
    let stream: MediaStream;
    try {
      stream = await this.#media.getUserMedia(constraints);
    } catch (error) {
      throw MeetingError.device(`${kind} unavailable`, error);
    }
    const track = kind === 'camera' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
    if (!track || !isOpen()) {
      stopAll(stream);
      throw track ? MeetingError.closed() : MeetingError.device(`${kind} gave no track`, null);
    }
    return track;
  }

  /**
   * Asks for the screen with its audio; a browser that cannot capture audio
   * gets a second, video-only ask. Null when the person cancelled.
   */
  async captureScreen(): Promise<MediaStream | null> {
    try {
      return await this.#media.getDisplayMedia(SCREEN_CONSTRAINTS);
    } catch (error) {
      if (isUserCancel(error)) {
        return null;
      }
      this.#logger.info('screen capture with audio failed; trying video only', error);
    }
    try {
      return await this.#media.getDisplayMedia({ ...SCREEN_CONSTRAINTS, audio: false });
    } catch (error) {
      if (isUserCancel(error)) {
        return null;
      }
      throw MeetingError.device('screen capture failed', error);
    }
  }
}

export function browserMediaDevices(): MediaAcquirer {
  return {
    getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
    getDisplayMedia: (options) => navigator.mediaDevices.getDisplayMedia(options),
  };
}

export function stopAll(stream: MediaStream): void {
  for (const track of stream.getTracks()) {
    track.stop();
  }
}

function isUserCancel(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NotAllowedError' || name === 'AbortError';
}
