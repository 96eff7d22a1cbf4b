import { TypedEmitter } from '@confidentiel/events';
import { ApiError, type ApiErrorReason } from '../api/meetingsApi.ts';
import type { InvitePreview } from '../api/invitesApi.ts';
import type { CommitteeKeyHolder } from '../committee/CommitteeKeyHolder.ts';
import type { E2eeSession } from '../e2ee/E2eeSession.ts';
import type { JoinChoices } from '../join/JoinPage.tsx';
import type { TakenTracks } from '../join/useMediaPreview.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { MeetingClient } from '../media/MeetingClient.ts';
import { isAccessRefusal, MeetingError, type MeetingErrorReason } from '../media/MeetingError.ts';
import type { MeetingAccess } from '../pages/meetingAccess.ts';
import type { WaitingRoomDevices, WaitingRoomHost } from './waitingRoom.ts';

/** A rejoin reuses the last token if it has at least this long to live. */
export const TOKEN_REUSE_MARGIN_MS = 30_000;

/** Why the join page shows an error (the page puts it into words). */
export type JoinFailure =
  /** The invite could not be read. */
  | { kind: 'preview'; reason: ApiErrorReason }
  /** This browser cannot do end-to-end encryption: no token was even asked for. */
  | { kind: 'e2ee-unavailable' }
  /** No room token (wrong passcode, invalid name, not signed in...). */
  | { kind: 'token'; reason: ApiErrorReason }
  /** The room refused this person (unknown, forbidden, removed, invite no longer valid). */
  | { kind: 'refused'; reason: MeetingErrorReason };

export type MeetingFlowView =
  | { name: 'join'; busy: boolean; failure: JoinFailure | null }
  | {
      name: 'meeting';
      client: MeetingClient;
      session: E2eeSession;
      committeeKey: CommitteeKeyHolder;
      /** Why the session could not go on, when a failure ended the join. */
      failure: MeetingErrorReason | null;
    }
  | { name: 'left' };

export interface MeetingFlowSnapshot {
  view: MeetingFlowView;
  preview: InvitePreview | null;
  /** The meeting this page is in, once known (an invite learns it at redemption). */
  meetingId: string | null;
  /** The last choices of the join form (a rejoin reuses them). */
  choices: JoinChoices | null;
}

export interface MeetingFlowDeps {
  access: MeetingAccess;
  /** The invite link's secret (read once from the fragment or this browser's store), or null. */
  linkSecret: string | null;
  createSession: (linkSecret: string | null) => Promise<E2eeSession>;
  obtainToken: (
    access: MeetingAccess,
    choices: JoinChoices,
  ) => Promise<{ meetingId: string; token: string; expiresAt: number }>;
  loadPreview: (inviteId: string) => Promise<InvitePreview>;
  createClient: (token: string, session: E2eeSession) => MeetingClient;
  createCommitteeKey: (client: MeetingClient, session: E2eeSession) => CommitteeKeyHolder;
  /** Test builds only: exposes the meeting to the browser tests; returns the removal. */
  installHooks?: ((client: MeetingClient, session: E2eeSession) => () => void) | undefined;
  /** Milliseconds since the epoch (token reuse). */
  now?: () => number;
  logger?: Logger;
}

export type MeetingFlowEvents = {
  change: [MeetingFlowSnapshot];
  /** A control (microphone, camera, screen) failed: the page shows why for a while. */
  controlFailed: [MeetingErrorReason];
};

interface Participation {
  client: MeetingClient;
  session: E2eeSession;
  committeeKey: CommitteeKeyHolder;
  uninstallHooks: () => void;
}

/**
 * The protocol steps of the meeting page, in order, out of React: the E2EE
 * session first (a browser that cannot encrypt never asks for a token), a
 * room token (reused by a rejoin while it lives, so a single-use invite is
 * not spent twice), the client and its join, then the microphone and camera.
 * The page renders `snapshot` and calls the methods. One participation at a
 * time: a newer join supersedes one in flight. `close()` is idempotent.
 */
export class MeetingSessionFlow extends TypedEmitter<MeetingFlowEvents> implements WaitingRoomHost {
  readonly #deps: MeetingFlowDeps;
  readonly #logger: Logger;
  #snapshot: MeetingFlowSnapshot;
  #participation: Participation | null = null;
  #lastToken: { token: string; expiresAt: number } | null = null;
  /** Counts joins; a join whose number is no longer current stops where it is. */
  #attempt = 0;
  #previewAsked = false;
  #closed = false;
  /** The join page's tracks, kept while the room answers (and the lobby lets in); null once handed on. */
  #heldTracks: TakenTracks | null = null;

  constructor(deps: MeetingFlowDeps) {
    const logger = deps.logger ?? silentLogger;
    super((error, event) => logger.error(`listener of ${String(event)} threw`, error));
    this.#deps = deps;
    this.#logger = logger;
    this.#snapshot = {
      view: { name: 'join', busy: false, failure: null },
      preview: null,
      meetingId: deps.access.kind === 'invite' ? null : deps.access.meetingId,
      choices: null,
    };
  }

  get snapshot(): MeetingFlowSnapshot {
    return this.#snapshot;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** For React's useSyncExternalStore. */
  readonly subscribe = (onChange: () => void): (() => void) => this.on('change', onChange);
  readonly getSnapshot = (): MeetingFlowSnapshot => this.#snapshot;

  get meetingTitle(): string | null {
    return this.#snapshot.preview?.meetingTitle ?? null;
  }

  get joinDevices(): WaitingRoomDevices & { cameraEnabled: boolean } {
    const choices = this.#snapshot.choices;
    return {
      cameraId: choices?.cameraId ?? null,
      microphoneId: choices?.microphoneId ?? null,
      cameraEnabled: !(choices?.startCameraOff ?? false),
    };
  }

  /**
   * The waiting room tests devices with its own preview: the join page's tracks
   * are let go now (one capture of each device at a time), and the meeting opens
   * the devices chosen here once the guest is let in.
   */
  chooseWaitingRoomDevices(devices: WaitingRoomDevices): void {
    const choices = this.#snapshot.choices;
    if (this.#heldTracks) {
      stopTracks(this.#heldTracks);
      this.#heldTracks = { audio: null, video: null };
    }
    if (choices && (choices.cameraId !== devices.cameraId || choices.microphoneId !== devices.microphoneId)) {
      this.#update({ choices: { ...choices, ...devices } });
    }
  }

  /** Reads the invite's preview (its label, whether it needs a passcode); once. */
  loadPreview(): void {
    const { access } = this.#deps;
    if (access.kind !== 'invite' || this.#previewAsked || this.#closed) {
      return;
    }
    this.#previewAsked = true;
    this.#deps.loadPreview(access.inviteId).then(
      (preview) => this.#update({ preview }),
      (error: unknown) => {
        if (this.#snapshot.view.name === 'join') {
          const failure: JoinFailure = { kind: 'preview', reason: apiReasonOf(error) };
          this.#update({ view: { name: 'join', busy: false, failure } });
        }
      },
    );
  }

  /** The join form was sent: `takeTracks` hands over the preview's tracks once the token is in. */
  join(choices: JoinChoices, takeTracks: () => TakenTracks): Promise<void> {
    return this.#join(choices, takeTracks, true);
  }

  /** Joins again with the last choices (and the last token while it lives); the join page without them. */
  rejoin(): Promise<void> {
    const choices = this.#snapshot.choices;
    if (!choices) {
      this.#update({ view: { name: 'join', busy: false, failure: null } });
      return Promise.resolve();
    }
    return this.#join(choices, () => ({ audio: null, video: null }), false);
  }

  /** Says goodbye to the room, then shows "you left". */
  async leave(): Promise<void> {
    const participation = this.#participation;
    if (!participation) {
      return;
    }
    await participation.client.leave();
    if (this.#participation === participation) {
      this.#endParticipation();
      this.#update({ view: { name: 'left' } });
    }
  }

  toggleMicrophone(): void {
    const client = this.#participation?.client;
    client
      ?.setMicrophoneEnabled(!client.state.local.microphone.active)
      .catch((e: unknown) => this.#failed(e));
  }

  toggleCamera(): void {
    const client = this.#participation?.client;
    client?.setCameraEnabled(!client.state.local.camera.active).catch((e: unknown) => this.#failed(e));
  }

  toggleScreen(): void {
    const client = this.#participation?.client;
    if (!client) {
      return;
    }
    const running = client.state.local.screen.active ? client.stopScreenShare() : client.startScreenShare();
    running.catch((e: unknown) => this.#failed(e));
  }

  /** The tab is closing: say goodbye at once (otherwise the server keeps the place for a recovery). */
  pageHidden(): void {
    this.#participation?.client.close();
  }

  /** Idempotent: ends the participation and stops any join in flight. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#attempt += 1;
    this.#endParticipation();
    this.removeAllListeners();
  }

  /**
   * A host sent us back to the waiting room (deliberation in camera). This participation ends at
   * once, its E2EE session with it (no key of the room stays in this page), and the page joins
   * again as a reload would: the server holds us out, so that join waits for a host's admission,
   * and an admission enters as a first one (new identity, new keys, new media). The waiting room
   * stays on screen throughout; on return we send what we sent when sent out.
   */
  #backToLobby(client: MeetingClient, sending: { microphone: boolean; camera: boolean }): void {
    if (this.#closed || this.#participation?.client !== client) {
      return;
    }
    this.#endParticipation();
    const choices = this.#snapshot.choices;
    if (!choices) {
      this.#update({ view: { name: 'join', busy: false, failure: null } });
      return;
    }
    const next = { ...choices, startMuted: !sending.microphone, startCameraOff: !sending.camera };
    void this.#join(next, () => ({ audio: null, video: null }), false, true);
  }

  /**
   * `keepView`: the page keeps showing what it shows (the waiting room) until the new client has
   * the server's answer, instead of "connecting" in between.
   */
  async #join(
    choices: JoinChoices,
    takeTracks: () => TakenTracks,
    fromForm: boolean,
    keepView = false,
  ): Promise<void> {
    if (this.#closed) {
      return;
    }
    const attempt = ++this.#attempt;
    const current = (): boolean => attempt === this.#attempt && !this.#closed;
    this.#update({ choices, ...(fromForm ? { view: { name: 'join', busy: true, failure: null } } : {}) });
    this.#endParticipation();

    let session: E2eeSession;
    try {
      session = await this.#deps.createSession(this.#deps.linkSecret);
    } catch (error) {
      this.#logger.error('end-to-end encryption is unavailable', error);
      if (current()) {
        this.#update({ view: { name: 'join', busy: false, failure: { kind: 'e2ee-unavailable' } } });
      }
      return;
    }
    let token: string;
    try {
      token = current() ? await this.#token(choices, fromForm) : '';
    } catch (error) {
      session.close();
      // The preview keeps running: the person can correct and try again.
      if (current()) {
        const failure: JoinFailure = { kind: 'token', reason: apiReasonOf(error) };
        this.#update({ view: { name: 'join', busy: false, failure } });
      }
      return;
    }
    if (!current()) {
      session.close();
      return;
    }
    this.#heldTracks = takeTracks();
    const client = this.#deps.createClient(token, session);
    session.attach(client);
    const committeeKey = this.#deps.createCommitteeKey(client, session);
    client.on('tokenRefreshed', (fresh) => {
      this.#lastToken = fresh;
    });
    client.on('sentToLobby', (sending) => this.#backToLobby(client, sending));
    const uninstallHooks = once(this.#deps.installHooks?.(client, session) ?? (() => {}));
    const participation = { client, session, committeeKey, uninstallHooks };
    this.#participation = participation;
    if (keepView) {
      this.#showWhenAnswered(participation);
    } else {
      this.#update({ view: { name: 'meeting', client, session, committeeKey, failure: null } });
    }

    try {
      await client.join();
    } catch (error) {
      if (current()) {
        stopTracks(this.#releaseHeldTracks());
      }
      uninstallHooks();
      this.#joinFailed(MeetingError.from(error), current());
      return;
    }
    if (!current()) {
      // A newer join took over (and #endParticipation stopped what this one held).
      return;
    }
    const tracks = this.#releaseHeldTracks();
    // The waiting room may have changed the devices while the guest waited.
    const chosen = this.#snapshot.choices ?? choices;
    // Media start after the join: a missing camera must not keep anyone out.
    const wantsDevices = !choices.mediaDenied || tracks.audio !== null || tracks.video !== null;
    if (!wantsDevices) {
      return;
    }
    await client
      .startMicrophone({ track: tracks.audio, deviceId: chosen.microphoneId, muted: chosen.startMuted })
      .catch((e: unknown) => this.#failed(e));
    if (chosen.startCameraOff) {
      tracks.video?.stop();
    } else {
      await client
        .startCamera({ track: tracks.video, deviceId: chosen.cameraId })
        .catch((e: unknown) => this.#failed(e));
    }
  }

  /** Shows the participation once its client is past connecting (waiting, in, or ended). */
  #showWhenAnswered(participation: Participation): void {
    const { client, session, committeeKey } = participation;
    const stop = client.on('state', (state) => {
      if (state.phase.name === 'idle' || state.phase.name === 'connecting') {
        return;
      }
      stop();
      if (this.#participation === participation) {
        this.#update({ view: { name: 'meeting', client, session, committeeKey, failure: null } });
      }
    });
  }

  /** The last token if a rejoin may reuse it, else a new one (which tells the meeting's id). */
  async #token(choices: JoinChoices, fromForm: boolean): Promise<string> {
    const reusable = this.#lastToken;
    const now = (this.#deps.now ?? Date.now)();
    if (!fromForm && reusable && reusable.expiresAt * 1000 > now + TOKEN_REUSE_MARGIN_MS) {
      return reusable.token;
    }
    const issued = await this.#deps.obtainToken(this.#deps.access, choices);
    this.#lastToken = { token: issued.token, expiresAt: issued.expiresAt };
    this.#update({ meetingId: issued.meetingId });
    return issued.token;
  }

  /** Hands the held tracks on (to the meeting, or to be stopped); none are held afterwards. */
  #releaseHeldTracks(): TakenTracks {
    const tracks = this.#heldTracks ?? { audio: null, video: null };
    this.#heldTracks = null;
    return tracks;
  }

  #joinFailed(failure: MeetingError, current: boolean): void {
    const participation = this.#participation;
    if (failure.reason === 'closed' || !current || !participation) {
      return;
    }
    if (isAccessRefusal(failure.reason)) {
      this.#lastToken = null;
      this.#endParticipation();
      this.#update({
        view: { name: 'join', busy: false, failure: { kind: 'refused', reason: failure.reason } },
      });
      return;
    }
    const { client, session, committeeKey } = participation;
    this.#update({ view: { name: 'meeting', client, session, committeeKey, failure: failure.reason } });
  }

  #failed(error: unknown): void {
    this.emit('controlFailed', MeetingError.from(error).reason);
  }

  #endParticipation(): void {
    const participation = this.#participation;
    this.#participation = null;
    if (this.#heldTracks) {
      stopTracks(this.#releaseHeldTracks());
    }
    if (!participation) {
      return;
    }
    participation.uninstallHooks();
    participation.client.close();
    participation.session.close();
    participation.committeeKey.close();
  }

  #update(patch: Partial<MeetingFlowSnapshot>): void {
    if (this.#closed) {
      return;
    }
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.emit('change', this.#snapshot);
  }
}

function apiReasonOf(error: unknown): ApiErrorReason {
  return error instanceof ApiError ? error.reason : 'network';
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      action();
    }
  };
}

function stopTracks(tracks: TakenTracks): void {
  tracks.audio?.stop();
  tracks.video?.stop();
}
