import type { types as ms } from 'mediasoup-client';
import type { MediaSource, ModerationAction } from '@confidentiel/protocol';
import type { Logger } from '../../logger.ts';
import type { LocalTrackOptions, MediaTransformHooks } from '../meetingClientTypes.ts';
import { MeetingError } from '../MeetingError.ts';
import type { LocalSource, LocalSourceName } from '../meetingState.ts';
import { stopAll, type LocalCapture } from './LocalCapture.ts';
import { produceSend, type LocalSend, type SendPath } from './produceTrack.ts';
import type { RoomRequest } from './roomRequest.ts';
import { pausedByServer } from './serverPaused.ts';

const OFF: LocalSource = { active: false, track: null };

export interface LocalPublisherOptions {
  request: RoomRequest;
  sendPath: SendPath;
  capture: LocalCapture;
  setLocal: (source: LocalSourceName, value: LocalSource) => void;
  hooks: MediaTransformHooks | undefined;
  logger: Logger;
}

/**
 * The local tracks and their producers: microphone, camera, screen. One
 * operation at a time (a double click must not produce twice). Tracks are
 * produced with `stopTracks: false` and stopped here, so that they outlive
 * producers the media server lost: `suspend()` forgets the producers,
 * `republish()` sends the same tracks, in the same mute state, again.
 */
export class LocalPublisher {
  readonly #options: LocalPublisherOptions;
  readonly #sends = new Map<MediaSource, LocalSend>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: LocalPublisherOptions) {
    this.#options = options;
  }

  /** Sends the microphone; with `muted`, the track is silenced before it is sent. */
  startMicrophone(options: LocalTrackOptions & { muted?: boolean }): Promise<void> {
    return this.#serialize(async () => {
      this.#options.capture.choose('microphone', options.deviceId);
      if (this.#sends.has('microphone')) {
        options.track?.stop();
        return;
      }
      await this.#start('microphone', options.track ?? null, options.muted ?? false);
    });
  }

  /** Sends the camera (three simulcast layers). */
  startCamera(options: LocalTrackOptions): Promise<void> {
    return this.#serialize(async () => {
      this.#options.capture.choose('camera', options.deviceId);
      if (this.#sends.has('camera')) {
        options.track?.stop();
        return;
      }
      await this.#start('camera', options.track ?? null, false);
    });
  }

  /** Mute (pause) or unmute the microphone; starts it if it was never started. */
  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.#serialize(async () => {
      const send = this.#sends.get('microphone');
      if (!send) {
        if (enabled) {
          await this.#start('microphone', null, false);
        }
        return;
      }
      if (enabled === !send.paused) {
        return;
      }
      // Stop sending locally first: muting must not wait for the server.
      const producer = this.#pause(send, !enabled);
      this.#options.setLocal('microphone', { active: enabled, track: send.track });
      if (!producer) {
        return;
      }
      try {
        await this.#options.request('setProducerPaused', { producerId: producer.id, paused: !enabled });
      } catch (error) {
        if (enabled && this.#sends.get('microphone') === send) {
          // Refused (a committee member without the floor) or lost: the microphone shows what the
          // server holds, muted. A failed mute stays muted here: nothing leaves this browser.
          this.#pause(send, true);
          this.#options.setLocal('microphone', { active: false, track: send.track });
        }
        throw MeetingError.from(error);
      }
    });
  }

  /**
   * Camera off pauses the producer and releases the camera (its light goes
   * off); camera on acquires a new track into the same producer.
   */
  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.#serialize(async () => {
      const send = this.#sends.get('camera');
      if (!enabled) {
        if (send && !send.paused) {
          await this.#releaseCamera(send);
        }
        return;
      }
      if (!send) {
        await this.#start('camera', null, false);
        return;
      }
      if (!send.paused) {
        return;
      }
      const track = await this.#options.capture.acquire('camera', () => !this.#closed);
      let producer = send.producer;
      if (producer) {
        try {
          await producer.replaceTrack({ track });
        } catch (error) {
          if (!producer.closed) {
            track.stop();
            throw MeetingError.from(error);
          }
          // The media server lost it meanwhile: the new track is sent again with the others.
          producer = null;
        }
      }
      if (this.#sends.get('camera') !== send) {
        // A repair dropped the camera meanwhile (it was off, it had no track): send this one afresh.
        await this.#start('camera', track, false);
        return;
      }
      send.track = track;
      this.#pause(send, false);
      this.#options.setLocal('camera', { active: true, track });
      // Without a producer (a repair is under way), the republish sends this track.
      if (producer) {
        await this.#options.request('setProducerPaused', { producerId: producer.id, paused: false });
      }
    });
  }

  /** Shares a screen (and its audio, if the browser offers it). Resolves false if the user cancelled. */
  startScreenShare(): Promise<boolean> {
    return this.#serialize(async () => {
      if (this.#sends.has('screen')) {
        return true;
      }
      const stream = await this.#options.capture.captureScreen();
      if (!stream) {
        return false;
      }
      const video = stream.getVideoTracks()[0];
      const audio = stream.getAudioTracks()[0];
      if (!video || this.#closed) {
        stopAll(stream);
        return false;
      }
      video.contentHint = 'detail';
      const screen = this.#add('screen', video, false);
      const screenAudio = audio ? this.#add('screen-audio', audio, false) : null;
      try {
        await this.#produce(screen);
        if (screenAudio) {
          await this.#produce(screenAudio);
        }
      } catch (error) {
        stopAll(stream);
        await this.#stop('screen');
        await this.#stop('screen-audio');
        throw MeetingError.from(error);
      }
      this.#options.setLocal('screen', { active: true, track: video });
      return true;
    });
  }

  stopScreenShare(): Promise<void> {
    return this.#serialize(async () => {
      await this.#stop('screen');
      await this.#stop('screen-audio');
      this.#options.setLocal('screen', OFF);
    });
  }

  /** A moderator acted on our media: the server already did it; follow locally, in turn. */
  followModeration(action: ModerationAction): Promise<void> {
    return this.#serialize(() => {
      switch (action) {
        case 'muted': {
          const send = this.#sends.get('microphone');
          if (send && !send.paused) {
            this.#pause(send, true);
            this.#options.setLocal('microphone', { active: false, track: send.track });
          }
          break;
        }
        case 'camera-stopped':
          this.#forget('camera');
          this.#options.setLocal('camera', OFF);
          break;
        case 'screen-stopped':
          this.#forget('screen');
          this.#forget('screen-audio');
          this.#options.setLocal('screen', OFF);
          break;
        default: {
          const unreachable: never = action;
          return unreachable;
        }
      }
      return Promise.resolve();
    });
  }

  /** The media server lost our producers: forget them here; the tracks stay, for `republish()`. */
  suspend(): void {
    for (const send of this.#sends.values()) {
      const producer = send.producer;
      send.producer = null;
      producer?.close();
    }
  }

  /**
   * Sends again, on the current transports, every track whose producer was
   * lost, in the mute state it had (not queued behind an open screen picker).
   * A camera that was off has no track: turning it on makes a new producer.
   */
  async republish(): Promise<void> {
    for (const send of [...this.#sends.values()]) {
      if (this.#closed || send.producer !== null || send.producing || this.#sends.get(send.source) !== send) {
        continue;
      }
      if (send.track === null) {
        this.#forget(send.source);
        continue;
      }
      if (send.track.readyState === 'ended') {
        // Ended meanwhile (unplugged, "stop sharing"): no producer was there to say so.
        this.#turnOff(send.source);
        continue;
      }
      try {
        await this.#produce(send);
      } catch (error) {
        if (this.#closed) {
          return;
        }
        this.#options.logger.warn(`could not send ${send.source} again`, error);
        this.#turnOff(send.source);
      }
    }
  }

  /** Stops a source that cannot be sent again, and shows it off. */
  #turnOff(source: MediaSource): void {
    this.#forget(source);
    if (source === 'screen' || source === 'screen-audio') {
      this.#forget('screen');
      this.#forget('screen-audio');
      this.#options.setLocal('screen', OFF);
    } else {
      this.#options.setLocal(source, OFF);
    }
  }

  /** Idempotent: closes the producers here and stops every local track. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    for (const source of [...this.#sends.keys()]) {
      this.#forget(source);
    }
  }

  async #start(
    source: 'microphone' | 'camera',
    given: MediaStreamTrack | null,
    muted: boolean,
  ): Promise<void> {
    const track = given ?? (await this.#options.capture.acquire(source, () => !this.#closed));
    // A muted start must not leak a single sample while the pause is on its way.
    track.enabled = !muted;
    const send = this.#add(source, track, muted);
    try {
      await this.#produce(send);
    } catch (error) {
      this.#forget(source, send);
      throw MeetingError.from(error);
    }
    // The server may have made it paused (a committee member without the floor): `#produce` followed.
    this.#options.setLocal(source, { active: !send.paused, track });
  }

  async #releaseCamera(send: LocalSend): Promise<void> {
    const producer = this.#pause(send, true);
    const track = send.track;
    send.track = null;
    try {
      if (producer && !producer.closed) {
        await producer.replaceTrack({ track: null });
      }
    } finally {
      // The camera's light goes off whatever happened.
      track?.stop();
    }
    this.#options.setLocal('camera', OFF);
    if (producer && !producer.closed) {
      await this.#options.request('setProducerPaused', { producerId: producer.id, paused: true });
    }
  }

  /** Pauses or resumes locally; returns the producer the server should hear about (none while repairing). */
  #pause(send: LocalSend, paused: boolean): ms.Producer | null {
    send.paused = paused;
    const producer = send.producer;
    if (producer) {
      if (paused) {
        producer.pause();
      } else {
        producer.resume();
      }
    } else if (send.track) {
      send.track.enabled = !paused;
    }
    return producer;
  }

  /** A new send, claimed by the operation that adds it (it produces it next): the republish leaves it alone. */
  #add(source: MediaSource, track: MediaStreamTrack, paused: boolean): LocalSend {
    const send: LocalSend = { source, track, paused, producer: null, producing: true };
    this.#sends.set(source, send);
    return send;
  }

  /** Stops a source here, without telling the server (it knows, or it forgot the producer). */
  #forget(source: MediaSource, only?: LocalSend): void {
    const send = this.#sends.get(source);
    if (!send || (only && send !== only)) {
      return;
    }
    this.#sends.delete(source);
    send.producer?.close();
    send.producer = null;
    send.track?.stop();
  }

  /** Stops a source and closes its producer on the server. */
  async #stop(source: MediaSource): Promise<void> {
    const producer = this.#sends.get(source)?.producer;
    const live = producer && !producer.closed;
    this.#forget(source);
    if (!live) {
      return;
    }
    try {
      await this.#options.request('closeProducer', { producerId: producer.id });
    } catch (error) {
      this.#options.logger.warn(`closeProducer(${source}) failed`, error);
    }
  }

  async #produce(send: LocalSend): Promise<void> {
    await produceSend(send, {
      ...this.#options,
      owns: (candidate) => !this.#closed && this.#sends.get(candidate.source) === candidate,
      onTrackEnded: (source) => this.#onTrackEnded(source),
    });
    const producer = send.producer;
    if (producer && !send.paused && pausedByServer(producer)) {
      // The server holds it paused (no floor): muted here too, and shown so.
      this.#pause(send, true);
      if (send.source === 'microphone') {
        this.#options.setLocal('microphone', { active: false, track: send.track });
      }
    }
  }

  /** A device was unplugged, or the browser's own "stop sharing" button was used. */
  #onTrackEnded(source: MediaSource): void {
    this.#options.logger.info(`${source} track ended`);
    const done = (error: unknown): void => this.#options.logger.warn(`could not stop ${source}`, error);
    switch (source) {
      case 'screen':
      case 'screen-audio':
        this.stopScreenShare().catch(done);
        return;
      case 'camera':
        this.setCameraEnabled(false).catch(done);
        return;
      case 'microphone':
        this.setMicrophoneEnabled(false).catch(done);
        return;
      default: {
        const unreachable: never = source;
        return unreachable;
      }
    }
  }

  #serialize<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) {
        throw MeetingError.closed();
      }
      return operation();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
