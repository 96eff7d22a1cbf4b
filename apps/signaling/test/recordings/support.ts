/**
 * A real express app with the recording routes on loopback, real SQLite in a
 * temporary directory, chunk files under that directory, a real
 * TokenService; driven by fetch. Every log line is kept to check that no
 * token leaks.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import type { MemberRole } from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { SqliteMeetingStore } from '../../src/meetings/SqliteMeetingStore.ts';
import { RecordingStore } from '../../src/recordings/RecordingStore.ts';
import { recordingRoutes } from '../../src/recordings/recordingRoutes.ts';
import { InMemoryAdmissions } from '../../src/rooms/Admissions.ts';
import { InMemoryRevocations } from '../../src/rooms/Revocations.ts';
import { issueRoomToken } from '../../src/socket/roomTokens.ts';
import { Database } from '../../src/storage/Database.ts';

export interface RecordingApp {
  baseUrl: string;
  directory: string;
  recordingsDirectory: string;
  meetings: SqliteMeetingStore;
  store: RecordingStore;
  tokens: TokenService;
  revocations: InMemoryRevocations;
  /** Who a host let in; `token()` admits its member unless told otherwise. */
  admissions: InMemoryAdmissions;
  /** Write tokens of the recordings made through `create`, by recording id (sent by `call`). */
  writers: Map<string, string>;
  /** Roles a moderator changed since the tokens were issued, by member id. */
  roleOverrides: Map<string, MemberRole>;
  logs: string[];
  /** A committee meeting of an organiser, ready to join. */
  newMeeting(): Promise<string>;
  /** A room token of `meetingId` for a member with `role`, admitted unless `admitted` is false. */
  token(meetingId: string, role: MemberRole, options?: { admitted?: boolean; lobby?: boolean }): string;
  /** The member id a token was issued to. */
  memberOf(token: string): string;
  /**
   * `writer`: the write token to send (null: none); by default the one
   * remembered in `writers` for the recording in the path.
   */
  call(
    method: string,
    path: string,
    options?: {
      token?: string | undefined;
      body?: Uint8Array;
      contentType?: string;
      writer?: string | null;
    },
  ): Promise<Response>;
  /** Every file under the recordings directory, with its bytes. */
  storedFiles(): Promise<Array<{ path: string; bytes: Buffer; mode: number }>>;
  close(): Promise<void>;
}

export async function startRecordingApp(): Promise<RecordingApp> {
  const directory = await mkdtemp(join(tmpdir(), 'recordings-test-'));
  const recordingsDirectory = join(directory, 'recordings');
  const database = new Database(join(directory, 'confidentiel.sqlite'));
  const meetings = new SqliteMeetingStore({ database });
  const store = new RecordingStore({ database, directory: recordingsDirectory });
  const tokens = new TokenService({ keys: KeyRing.generate(), issuer: 'recordings-test' });
  const revocations = new InMemoryRevocations();
  const admissions = new InMemoryAdmissions();
  const writers = new Map<string, string>();
  const members = new Map<string, string>();
  const roleOverrides = new Map<string, MemberRole>();
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString());
        callback();
      },
    }),
  );
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/api',
    recordingRoutes({
      store,
      tokens,
      meetings,
      logger,
      revocations,
      roleOverride: (memberId) => Promise.resolve(roleOverrides.get(memberId)),
      isAdmitted: (roomId, memberId) => admissions.isAdmitted(roomId, memberId),
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    directory,
    recordingsDirectory,
    meetings,
    store,
    tokens,
    revocations,
    admissions,
    writers,
    roleOverrides,
    logs,
    newMeeting: async () =>
      (
        await meetings.createForOrganiser('organiser-0001', {
          title: 'Conseil',
          kind: 'committee',
          startsAt: Date.now(),
          allowEarlyEntry: false,
        })
      ).id,
    token: (meetingId, role, options = {}) => {
      const issued = issueRoomToken(
        tokens,
        { room: meetingId, name: `Membre ${role}`, role, lobby: options.lobby ?? false },
        300,
      );
      members.set(issued.token, issued.memberId);
      if (options.admitted ?? true) {
        // In memory: recorded before this returns.
        void admissions.entered(meetingId, issued.memberId);
      }
      return issued.token;
    },
    memberOf: (token) => {
      const memberId = members.get(token);
      if (memberId === undefined) {
        throw new TypeError('not a token of this app');
      }
      return memberId;
    },
    call: (method, path, options = {}) => {
      const headers: Record<string, string> = {};
      if (options.token !== undefined) {
        headers.authorization = `Bearer ${options.token}`;
      }
      const recordingId = /^\/recordings\/([^/]+)\//.exec(path)?.[1];
      const writer =
        options.writer === undefined && recordingId !== undefined ? writers.get(recordingId) : options.writer;
      if (typeof writer === 'string') {
        headers['x-recording-writer'] = writer;
      }
      if (options.body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/octet-stream';
      }
      return fetch(`${baseUrl}/api${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: options.body } : {}),
      });
    },
    storedFiles: async () => {
      const out: Array<{ path: string; bytes: Buffer; mode: number }> = [];
      const walk = async (dir: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) {
            await walk(path);
          } else {
            out.push({ path, bytes: await readFile(path), mode: (await stat(path)).mode & 0o777 });
          }
        }
      };
      await walk(recordingsDirectory);
      return out;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      database.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
