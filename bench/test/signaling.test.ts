import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { botAddress } from '../src/sections/signaling/http.ts';
import { roomsFor, ROOM_SIZES, runOpenLoop } from '../src/sections/signaling/openLoop.ts';
import { summarizeProfile } from '../src/sections/signaling/profile.ts';

describe('bot addresses', () => {
  it('gives each bot its own loopback address, never .0, .1 or .255', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 70_000; i++) {
      const address = botAddress(i);
      expect(address).toMatch(/^127\.\d+\.\d+\.\d+$/);
      const last = Number(address.split('.')[3]);
      expect(last).toBeGreaterThanOrEqual(2);
      expect(last).toBeLessThanOrEqual(251);
      seen.add(address);
    }
    expect(seen.size).toBe(70_000);
  });
});

describe('open loop', () => {
  it('fills rooms of 4 to 10 in turn', () => {
    expect(roomsFor(4)).toBe(1);
    expect(roomsFor(5)).toBe(2);
    expect(roomsFor(ROOM_SIZES.reduce((a, b) => a + b, 0))).toBe(ROOM_SIZES.length);
  });

  it('times joins from their scheduled arrival and counts failures', async () => {
    const rooms: number[] = [];
    const result = await runOpenLoop({ rate: 200, joins: 12, dwellMs: 5 }, async ({ index, room }) => {
      rooms.push(room);
      if (index === 3) {
        throw new Error('refused');
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
      return { leave: () => Promise.resolve() };
    });
    expect(result.latencies).toHaveLength(11);
    expect(result.failures).toBe(1);
    expect(result.reasons.get('refused')).toBe(1);
    expect(Math.min(...result.latencies)).toBeGreaterThan(0);
    // 4 in room 0, 5 in room 1, then room 2.
    expect(rooms.slice(0, 10)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 2]);
  });
});

describe('CPU profile summary', () => {
  it('charges Node internals and native frames to the package that called them, within the window', () => {
    const root = '/repo';
    const profile = {
      startTime: 1_000,
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 5] },
        {
          id: 2,
          callFrame: {
            functionName: 'request',
            url: 'file:///repo/apps/signaling/src/sfu/SfuConnection.ts',
            lineNumber: 9,
          },
          children: [3],
        },
        {
          id: 3,
          callFrame: {
            functionName: 'send',
            url: 'file:///repo/node_modules/ws/lib/sender.js',
            lineNumber: 1,
          },
          children: [4],
        },
        { id: 4, callFrame: { functionName: 'writev', url: '', lineNumber: -1 }, children: [] },
        { id: 5, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 }, children: [] },
      ],
      // Samples at 1_100, 1_200, 1_300, 1_400, 1_500 µs, each weighted by the next delta (100 µs).
      samples: [3, 4, 4, 5, 3],
      timeDeltas: [100, 100, 100, 100, 100, 100],
    };
    const dir = mkdtempSync(join(tmpdir(), 'profile-'));
    const path = join(dir, 'p.cpuprofile');
    writeFileSync(path, JSON.stringify(profile));
    // The window leaves the last sample (1_500) out.
    const summary = summarizeProfile(path, root, 1_050, 1_450);
    expect(summary.totalMs).toBeCloseTo(0.3, 6);
    const groups = new Map(summary.groups.map((g) => [g.group, g]));
    expect(groups.get('ws')?.ms).toBeCloseTo(0.1, 6);
    expect(groups.get('writev (native, from ws)')?.ms).toBeCloseTo(0.2, 6);
    expect(groups.get('ws')?.callers?.[0]?.name).toBe('request (SfuConnection.ts)');
  });
});
