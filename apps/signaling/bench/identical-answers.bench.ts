/**
 * Checklist item 16: "unknown room" and "forbidden room" must look the same
 * from outside, in body and close in timing. Measures the latency of the
 * answers an outsider can provoke, side by side in alternating batches:
 *
 *   - join token for an unknown meeting id           (404 room-not-found)
 *   - join token for an organiser's meeting          (404 room-not-found: needs an invitation)
 *   - guest preview of an unknown invitation id      (404 invite-invalid)
 *   - guest preview of a revoked invitation          (404 invite-invalid)
 *
 * Prints medians and the median of per-round ratios; asserts nothing except
 * that the paired bodies are identical (else it says so and exits 1).
 *
 *   node apps/signaling/bench/identical-answers.bench.ts   (or: npm run bench -w @confidentiel/signaling)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadSignalingConfig } from '../src/config.ts';
import { TEST_COST } from '../src/crypto/secretHash.ts';
import { SqliteInviteStore } from '../src/invites/SqliteInviteStore.ts';
import { SqliteMeetingStore } from '../src/meetings/SqliteMeetingStore.ts';
import { startSignaling } from '../src/startSignaling.ts';
import { Database } from '../src/storage/Database.ts';

const ROUNDS = 41;
const WARMUP_ROUNDS = 3;
/** Requests per batch, per kind of answer. */
const BATCH = 20;

interface Probe {
  label: string;
  request: () => Promise<Response>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function batchMs(probe: Probe): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < BATCH; i++) {
    const res = await probe.request();
    await res.arrayBuffer();
  }
  return (performance.now() - start) / BATCH;
}

async function bodyOf(probe: Probe): Promise<string> {
  const res = await probe.request();
  return `${res.status} ${await res.text()}`;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'confidentiel-bench-'));
  const databasePath = join(dataDir, 'confidentiel.sqlite');
  // The organiser's meeting and a revoked invitation, made in the same file signaling opens.
  const seed = new Database(databasePath);
  const meetings = new SqliteMeetingStore({ database: seed });
  const invites = new SqliteInviteStore({ database: seed });
  const meeting = await meetings.createForOrganiser('bench-owner-0001', {
    title: 'Consultation',
    kind: 'consultation',
    startsAt: Date.now(),
    allowEarlyEntry: false,
  });
  const invite = await invites.create({
    meetingId: meeting.id,
    label: null,
    role: 'participant',
    passcodeHash: null,
    requireAdmission: false,
    singleUse: false,
    expiresAt: null,
  });
  await invites.revoke(meeting.id, invite.id);
  seed.close();

  const config = loadSignalingConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    SFU_URL: 'http://127.0.0.1:9',
    SFU_CONTROL_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: dataDir,
    DATABASE_PATH: databasePath,
    ALLOW_OPEN_MEETINGS: 'true',
    LOG_LEVEL: 'silent',
  });
  const running = await startSignaling(config, {
    logger: pino({ level: 'silent' }),
    passwordCost: TEST_COST,
  });
  const post = (path: string) => () =>
    fetch(`${running.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Mallory' }),
    });
  const get = (path: string) => () => fetch(`${running.url}${path}`);
  const unknownId = () => randomBytes(16).toString('base64url');
  const pairs: [Probe, Probe][] = [
    [
      {
        label: 'join token, unknown meeting',
        request: () => post(`/api/meetings/${unknownId()}/join-tokens`)(),
      },
      { label: "join token, organiser's meeting", request: post(`/api/meetings/${meeting.id}/join-tokens`) },
    ],
    [
      { label: 'invite preview, unknown invite', request: () => get(`/api/invites/${unknownId()}`)() },
      { label: 'invite preview, revoked invite', request: get(`/api/invites/${invite.id}`) },
    ],
  ];

  let identical = true;
  try {
    for (const [unknown, forbidden] of pairs) {
      const [a, b] = [await bodyOf(unknown), await bodyOf(forbidden)];
      const same = a === b;
      identical &&= same;
      process.stdout.write(`${same ? 'same body' : 'DIFFERENT BODIES'}: ${a}${same ? '' : ` vs ${b}`}\n`);
    }
    for (const [unknown, forbidden] of pairs) {
      const times: [number[], number[]] = [[], []];
      const ratios: number[] = [];
      for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
        // Alternate which goes first, so drift in the machine's load hits both alike.
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        const measured: number[] = [0, 0];
        for (const side of order) {
          measured[side] = await batchMs(side === 0 ? unknown : forbidden);
        }
        if (round >= WARMUP_ROUNDS) {
          times[0].push(measured[0]!);
          times[1].push(measured[1]!);
          ratios.push(measured[1]! / measured[0]!);
        }
      }
      process.stdout.write(
        `${unknown.label}: median ${median(times[0]).toFixed(3)} ms | ` +
          `${forbidden.label}: median ${median(times[1]).toFixed(3)} ms | ` +
          `ratio (forbidden/unknown, median of ${ROUNDS} rounds) ${median(ratios).toFixed(2)}x\n`,
      );
    }
  } finally {
    await running.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  process.exitCode = identical ? 0 : 1;
}

await main();
