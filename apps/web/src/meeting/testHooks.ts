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
}

declare global {
  interface Window {
    __meeting?: MeetingTestHooks;
  }
}

export function installMeetingHooks(client: MeetingClient): () => void {
  const hooks: MeetingTestHooks = {
    getStats: () => client.getStats(),
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
