import type { MeetingState } from '../media/meetingState.ts';
import { audioTracksOf, chooseVideoTrack } from './composition.ts';

/** The stream MediaRecorder records, kept up to date with the meeting. */
export interface RecordingMix {
  readonly stream: MediaStream;
  update(state: MeetingState): void;
  close(): void;
}

export interface RecordingMixerOptions {
  width?: number;
  height?: number;
  /** Frames drawn per second. */
  fps?: number;
  createAudioContext?: () => AudioContext;
}

const DEFAULT_WIDTH = 1280;
const DEFAULT_HEIGHT = 720;
const DEFAULT_FPS = 15;

/**
 * Composes the record from the decrypted media this browser already plays:
 * one picture (the chosen camera drawn on a canvas, so that switching
 * speakers never changes the recorded track set, which would stop
 * MediaRecorder) and one sound (every microphone mixed with WebAudio).
 * `close()` is idempotent and releases the canvas track and the audio graph.
 */
export class RecordingMixer implements RecordingMix {
  readonly stream: MediaStream;
  readonly #canvas: HTMLCanvasElement;
  readonly #context2d: CanvasRenderingContext2D | null;
  readonly #video: HTMLVideoElement;
  readonly #audio: AudioContext;
  readonly #destination: MediaStreamAudioDestinationNode;
  readonly #sources = new Map<string, MediaStreamAudioSourceNode>();
  readonly #timer: ReturnType<typeof setInterval>;
  #videoTrack: MediaStreamTrack | null = null;
  #closed = false;

  constructor(options: RecordingMixerOptions = {}) {
    const fps = options.fps ?? DEFAULT_FPS;
    this.#canvas = document.createElement('canvas');
    this.#canvas.width = options.width ?? DEFAULT_WIDTH;
    this.#canvas.height = options.height ?? DEFAULT_HEIGHT;
    this.#context2d = this.#canvas.getContext('2d');
    this.#video = document.createElement('video');
    this.#video.muted = true;
    this.#video.playsInline = true;
    this.#audio = (options.createAudioContext ?? (() => new AudioContext()))();
    // Started from the chair's click; resume in case the browser created it suspended.
    void this.#audio.resume().catch(() => undefined);
    this.#destination = this.#audio.createMediaStreamDestination();
    const canvasTrack = this.#canvas.captureStream(fps).getVideoTracks()[0];
    this.stream = new MediaStream([
      ...(canvasTrack ? [canvasTrack] : []),
      ...this.#destination.stream.getAudioTracks(),
    ]);
    this.#draw();
    // A timer, not requestAnimationFrame: the record must go on in a hidden tab.
    this.#timer = setInterval(() => this.#draw(), Math.round(1000 / fps));
  }

  get closed(): boolean {
    return this.#closed;
  }

  update(state: MeetingState): void {
    if (this.#closed) {
      return;
    }
    const video = chooseVideoTrack(state);
    if (video !== this.#videoTrack) {
      this.#videoTrack = video;
      this.#video.srcObject = video ? new MediaStream([video]) : null;
      if (video) {
        void this.#video.play().catch(() => undefined);
      }
    }
    const wanted = new Map(audioTracksOf(state).map((track) => [track.id, track]));
    for (const [id, source] of this.#sources) {
      if (!wanted.has(id)) {
        source.disconnect();
        this.#sources.delete(id);
      }
    }
    for (const [id, track] of wanted) {
      if (!this.#sources.has(id)) {
        const source = this.#audio.createMediaStreamSource(new MediaStream([track]));
        source.connect(this.#destination);
        this.#sources.set(id, source);
      }
    }
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#timer);
    for (const source of this.#sources.values()) {
      source.disconnect();
    }
    this.#sources.clear();
    this.#video.srcObject = null;
    for (const track of this.stream.getTracks()) {
      track.stop();
    }
    void this.#audio.close().catch(() => undefined);
  }

  /** The chosen camera, letterboxed on black. */
  #draw(): void {
    const ctx = this.#context2d;
    if (!ctx) {
      return;
    }
    const { width, height } = this.#canvas;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width, height);
    const video = this.#video;
    if (!this.#videoTrack || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth) {
      return;
    }
    const scale = Math.min(width / video.videoWidth, height / video.videoHeight);
    const w = video.videoWidth * scale;
    const h = video.videoHeight * scale;
    ctx.drawImage(video, (width - w) / 2, (height - h) / 2, w, h);
  }
}
