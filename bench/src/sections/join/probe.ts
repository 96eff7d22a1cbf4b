/**
 * The bench's own instrument inside each page (not the product's): installed
 * before any page script runs, it time-stamps on the wall clock of the page
 * (`performance.timeOrigin + performance.now()`, so two pages of one machine
 * compare) the steps of a join as the page lives them: the click, the token
 * request, the Socket.IO connection and every request and its answer, the
 * peer connections' states, the E2EE worker and the keys handed to it; from
 * a getStats poll of the test hooks, the first packet and the first decoded
 * frame of each remote camera; and from requestVideoFrameCallback on each
 * remote camera's <video>, when its first frame was decoded and shown.
 */

export interface PageMark {
  name: string;
  /** Wall clock, ms since the epoch, sub-millisecond. */
  t: number;
}

/** First media of one remote member's camera, as this page's poll saw it. */
export interface FirstMedia {
  /** First poll that saw packetsReceived > 0. */
  packet?: number;
  /** First poll that saw framesDecoded > 0 (the frame was decoded between `beforeFrame` and this). */
  frame?: number;
  /** The poll before `frame` (still 0 frames): the lower bound. */
  beforeFrame?: number;
  /** Latest poll with no frame decoded yet. */
  lastZero?: number;
  /** First frame the tile's <video> presented (requestVideoFrameCallback's time). */
  presented?: number;
  /** That frame's decode end: its receiveTime + processingDuration (WebRTC metadata of the callback). */
  decoded?: number;
}

export interface BenchProbe {
  marks: PageMark[];
  first: Record<string, FirstMedia>;
  /** Completion times of the recent polls (their spacing is the resolution). */
  polls: number[];
  startPoll(intervalMs: number): void;
  stopPoll(): void;
}

/** What the probe reads of the web app's test hooks (apps/web/src/meeting/testHooks.ts). */
export interface MeetingHooksView {
  getStats(): Promise<
    Array<{
      memberId: string;
      source: string;
      kind: string;
      packetsReceived?: number;
      framesDecoded?: number;
    }>
  >;
  getState(): { selfId: string | null; members: Array<{ memberId: string }>; local: { camera: boolean } };
}

/**
 * The page's globals the bench uses, cast to where needed (no global declaration: other sections
 * may describe window.__meeting their own way).
 */
export interface BenchWindow {
  __meeting?: MeetingHooksView;
  __benchProbe?: BenchProbe;
}

/**
 * Runs in the page (serialized by Playwright's addInitScript): self-contained,
 * no import, no closure over this module.
 */
export function installProbe(): void {
  const MAX_MARKS = 20_000;
  const MAX_POLLS = 2_000;
  const now = (): number => performance.timeOrigin + performance.now();
  const marks: PageMark[] = [];
  const mark = (name: string): void => {
    if (marks.length >= MAX_MARKS) {
      marks.splice(0, MAX_MARKS / 2);
    }
    marks.push({ name, t: now() });
  };
  const first: Record<string, FirstMedia> = {};
  const polls: number[] = [];
  let polling = false;

  // The click that starts a join or an admission (capture phase: before React handles it).
  document.addEventListener(
    'click',
    (event) => {
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest('[data-testid="join-button"]')) {
        mark('click:join');
      }
      if (target?.closest('[data-testid="lobby-admit"]')) {
        mark('click:admit');
      }
    },
    true,
  );

  // The room token (open meeting, invite or host): the first network step of a join.
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const token = /join-tokens|host-token/.test(url);
    if (token) {
      mark('token:start');
    }
    try {
      return await nativeFetch(input, init);
    } finally {
      if (token) {
        mark('token:end');
      }
    }
  };

  // Socket.IO frames: `4` (message) + `0` connect / `2` event / `3` ack, `/room,` namespace, ack id, JSON.
  const ackNames = new Map<string, string>();
  const onFrame = (direction: 'out' | 'in', data: unknown): void => {
    if (typeof data !== 'string') {
      return;
    }
    const match = /^4([0-4])(?:\/room,)?(\d*)([\s\S]*)$/.exec(data);
    if (!match) {
      return;
    }
    const [, type, id = '', rest = ''] = match;
    const name = /^\["([^"]+)"/.exec(rest)?.[1];
    if (type === '0') {
      mark(direction === 'out' ? 'sio:connect' : 'sio:connected');
    } else if (type === '4') {
      mark('sio:refused');
    } else if (type === '2' && name) {
      if (direction === 'out') {
        mark(`req:${name}`);
        if (id !== '') {
          ackNames.set(id, name);
        }
      } else {
        mark(`ev:${name}`);
      }
    } else if (type === '3' && direction === 'in') {
      const request = ackNames.get(id);
      ackNames.delete(id);
      mark(`ack:${request ?? 'unknown'}`);
    }
  };
  const NativeWebSocket = window.WebSocket;
  class ProbedWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      mark('ws:created');
      this.addEventListener('open', () => mark('ws:open'));
      this.addEventListener('message', (event: MessageEvent) => onFrame('in', event.data));
    }

    override send(data: Parameters<WebSocket['send']>[0]): void {
      onFrame('out', data);
      super.send(data);
    }
  }
  window.WebSocket = ProbedWebSocket;

  // Peer connections: which one is which is told by its transceivers once it connects.
  const NativePeerConnection = window.RTCPeerConnection;
  class ProbedPeerConnection extends NativePeerConnection {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      mark('pc:created');
      this.addEventListener('connectionstatechange', () => {
        const directions = this.getTransceivers().map((t) => t.direction);
        const role = directions.includes('recvonly')
          ? 'recv'
          : directions.includes('sendonly')
            ? 'send'
            : 'pc';
        mark(`${role}:${this.connectionState}`);
      });
    }
  }
  window.RTCPeerConnection = ProbedPeerConnection;

  // The E2EE worker: when it starts and is ready, and when keys are handed to it.
  const NativeWorker = window.Worker;
  class ProbedWorker extends NativeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      mark('worker:created');
      this.addEventListener('message', (event: MessageEvent) => {
        if ((event.data as { type?: unknown } | null)?.type === 'ready') {
          mark('worker:ready');
        }
      });
    }

    override postMessage(message: unknown, ...rest: unknown[]): void {
      const record = message as { type?: unknown; memberId?: unknown } | null;
      if (record?.type === 'setSenderKey') {
        mark('key:sender');
      } else if (record?.type === 'setReceiverKey' && typeof record.memberId === 'string') {
        mark(`key:receiver:${record.memberId}`);
      }
      (super.postMessage as (...args: unknown[]) => void)(message, ...rest);
    }
  }
  window.Worker = ProbedWorker;

  // Each remote camera's <video> (in its tile): the first frame it presents, and when that frame was decoded.
  const watched = new WeakSet<HTMLVideoElement>();
  const watch = (video: HTMLVideoElement): void => {
    const tile = video.closest('[data-testid="tile"]');
    const memberId = tile?.getAttribute('data-member-id');
    if (watched.has(video) || !memberId || tile?.getAttribute('data-source') !== 'camera') {
      return;
    }
    watched.add(video);
    video.requestVideoFrameCallback((presentedAt, metadata) => {
      const media = (first[memberId] ??= {});
      if (media.presented !== undefined) {
        return;
      }
      media.presented = performance.timeOrigin + presentedAt;
      const { receiveTime, processingDuration } = metadata;
      if (typeof receiveTime === 'number' && typeof processingDuration === 'number') {
        media.decoded = performance.timeOrigin + receiveTime + processingDuration * 1000;
      }
    });
  };
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node instanceof HTMLVideoElement && node.dataset['testid'] === 'remote-video') {
          watch(node);
        } else if (node instanceof Element) {
          node.querySelectorAll<HTMLVideoElement>('video[data-testid="remote-video"]').forEach(watch);
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });

  // First packet and first decoded frame of each remote camera, from the test hooks' getStats.
  const pollOnce = async (): Promise<void> => {
    const hooks = (window as unknown as BenchWindow).__meeting;
    if (!hooks) {
      return;
    }
    let stats: Awaited<ReturnType<MeetingHooksView['getStats']>>;
    try {
      stats = await hooks.getStats();
    } catch {
      return;
    }
    const t = now();
    for (const s of stats) {
      if (s.kind !== 'video' || s.source !== 'camera') {
        continue;
      }
      const media = (first[s.memberId] ??= {});
      if ((s.packetsReceived ?? 0) > 0 && media.packet === undefined) {
        media.packet = t;
      }
      if ((s.framesDecoded ?? 0) > 0) {
        if (media.frame === undefined) {
          media.frame = t;
          if (media.lastZero !== undefined) {
            media.beforeFrame = media.lastZero;
          }
        }
      } else {
        media.lastZero = t;
      }
    }
    if (polls.length >= MAX_POLLS) {
      polls.splice(0, MAX_POLLS / 2);
    }
    polls.push(t);
  };
  const loop = async (intervalMs: number): Promise<void> => {
    while (polling) {
      const started = now();
      await pollOnce();
      const wait = Math.max(0, intervalMs - (now() - started));
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  (window as unknown as BenchWindow).__benchProbe = {
    marks,
    first,
    polls,
    startPoll: (intervalMs) => {
      if (!polling) {
        polling = true;
        polls.length = 0;
        void loop(intervalMs);
      }
    },
    stopPoll: () => {
      polling = false;
    },
  };
}
