import type { E2eeSession, E2eeStatsReport, SafetyCodesReport } from '../e2ee/E2eeSession.ts';
import type { TryDecryptResult } from '../e2ee/worker/protocol.ts';
import type { ConsumerStats, MeetingClient } from '../media/MeetingClient.ts';

/**
 * What the browser tests read through `window.__meeting`. It exposes nothing
 * the person at the keyboard cannot already see (their own view of the meeting).
 */
export interface MeetingTestHooks {
  getStats(): Promise<ConsumerStats[]>;
  getState(): {
    phase: string;
    selfId: string | null;
    members: Array<{ memberId: string; displayName: string }>;
    activeSpeakerId: string | null;
    local: { microphone: boolean; camera: boolean; screen: boolean };
  };
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

export function installMeetingHooks(client: MeetingClient, session: E2eeSession): () => void {
  const hooks: MeetingTestHooks = {
    getStats: () => client.getStats(),
    getE2eeStats: () => session.getE2eeStats(),
    getSafetyCodes: () => session.getSafetyCodes(),
    installWrongKeyForTest: (memberId) => session.installWrongKeyForTest(memberId),
    tryDecrypt: (memberId, codec, frameBase64) => session.tryDecrypt(memberId, codec, frameBase64),
    getState: () => {
      const state = client.state;
      return {
        phase: state.phase.name,
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
