import type { E2eeSession, E2eeStatsReport, SafetyCodesReport } from '../e2ee/E2eeSession.ts';
import type { TryDecryptResult } from '../e2ee/worker/protocol.ts';
import { WRONG_KEY_REQUEST } from '../e2ee/worker/wrongKeyForTest.ts';
import type {
  ConsumerStats,
  MeetingClient,
  RepairCounts,
  RepairKind,
  RepairPolicy,
} from '../media/MeetingClient.ts';

/**
 * What the browser tests read through `window.__meeting`. It exposes nothing
 * the person at the keyboard cannot already see (their own view of the meeting).
 * Installed only in a build made with VITE_TEST_HOOKS=true (browserMeetingFlow.ts):
 * the production bundle does not contain it.
 */
export interface MeetingTestHooks {
  getStats(): Promise<ConsumerStats[]>;
  getState(): {
    phase: string;
    /** While joined: whether audio and video flow, or are being repaired. */
    media: 'connected' | 'reconnecting' | null;
    /** The engine's lifecycle: joining, joined, repairing, leaving, ended. */
    lifecycle: string;
    selfId: string | null;
    members: Array<{ memberId: string; displayName: string }>;
    activeSpeakerId: string | null;
    local: { microphone: boolean; camera: boolean; screen: boolean };
  };
  /** What the media repairs did: ICE restarts, media resets rebuilt, repairs done. */
  getRepairCounts(): RepairCounts;
  /** The local ports of the selected ICE candidate pairs of the send and receive transports. */
  getMediaPorts(): Promise<number[]>;
  /** Negative control: after a media reset, this page drops its media and makes none again. */
  disableMediaRepairForTest(): void;
  /** Negative control: a transport that goes down is not ICE-restarted. */
  disableIceRestartForTest(): void;
  /** The worker's counters per transform, the key manager's status, the indicator's state. */
  getE2eeStats(): Promise<E2eeStatsReport>;
  /** The room code and our pair code with each member (what the participants panel shows). */
  getSafetyCodes(): SafetyCodesReport;
  /**
   * Negative control: a random receive key for that member, made in the worker. Afterwards its
   * frames fail authentication here (and only here). Reveals no key.
   */
  installWrongKeyForTest(memberId: string): Promise<void>;
  /** Would this frame (base64) authenticate under our keys for that member? A verdict only. */
  tryDecrypt(memberId: string, codec: string, frameBase64: string): Promise<TryDecryptResult>;
}

declare global {
  interface Window {
    __meeting?: MeetingTestHooks;
  }
}

/** A repair policy the test hooks can switch off, given to the client of a test build. */
export class SwitchableRepairPolicy implements RepairPolicy {
  readonly #off = new Set<RepairKind>();

  allows(repair: RepairKind): boolean {
    return !this.#off.has(repair);
  }

  switchOff(repair: RepairKind): void {
    this.#off.add(repair);
  }
}

/** The local port of each transport's selected candidate pair. */
function selectedLocalPorts(report: RTCStatsReport): number[] {
  const stats = [...(report as unknown as Map<string, Record<string, unknown>>).values()];
  const byId = new Map(stats.map((s) => [s['id'], s]));
  const ports: number[] = [];
  for (const transport of stats.filter((s) => s['type'] === 'transport')) {
    const pair = byId.get(transport['selectedCandidatePairId']);
    const local = pair ? byId.get(pair['localCandidateId']) : undefined;
    if (typeof local?.['port'] === 'number') {
      ports.push(local['port']);
    }
  }
  return ports;
}

export function installMeetingHooks(
  client: MeetingClient,
  session: E2eeSession,
  repairPolicy: SwitchableRepairPolicy = new SwitchableRepairPolicy(),
): () => void {
  const hooks: MeetingTestHooks = {
    getStats: () => client.getStats(),
    getRepairCounts: () => client.repairs,
    getMediaPorts: async () =>
      (await client.getTransportStats()).flatMap(({ report }) => selectedLocalPorts(report)),
    disableMediaRepairForTest: () => repairPolicy.switchOff('media-rebuild'),
    disableIceRestartForTest: () => repairPolicy.switchOff('ice-restart'),
    getE2eeStats: () => session.getE2eeStats(),
    getSafetyCodes: () => session.getSafetyCodes(),
    installWrongKeyForTest: async (memberId) => {
      const ok = await session.requestWorkerForTest((requestId) => ({
        type: WRONG_KEY_REQUEST,
        requestId,
        memberId,
      }));
      if (!ok) {
        throw new Error(`no key of ${memberId} to replace`);
      }
    },
    tryDecrypt: (memberId, codec, frameBase64) => session.tryDecrypt(memberId, codec, frameBase64),
    getState: () => {
      const state = client.state;
      return {
        phase: state.phase.name,
        media: state.phase.name === 'joined' ? state.phase.media : null,
        lifecycle: client.lifecycle.name,
        selfId: state.self?.memberId ?? null,
        members: state.members.map((m) => ({ memberId: m.memberId, displayName: m.displayName })),
        activeSpeakerId: state.activeSpeakerId,
        local: {
          microphone: state.local.microphone.active,
          camera: state.local.camera.active,
          screen: state.local.screen.active,
        },
      };
    },
  };
  window.__meeting = hooks;
  return () => {
    if (window.__meeting === hooks) {
      delete window.__meeting;
    }
  };
}
