/**
 * Issue 10, findings 1 and 2, against the real service (signaling with its
 * SQLite file and recording store, a real SFU): the room token a guest gets
 * by redeeming an invitation, over HTTP and Socket.IO as an attacker would
 * use it, reaches no recording before a host lets the guest in; a co-host
 * waiting at the door cannot start, feed, overtake or finish the chair's
 * recording; and the legitimate paths (the admitted chair records, admitted
 * members play back) still work.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  createInviteResponseSchema,
  createRecordingResponseSchema,
  errorBodySchema,
  recordingListResponseSchema,
  roomTokenResponseSchema,
  type InviteRole,
} from '@confidentiel/protocol';
import {
  attemptConnect,
  okData,
  recordEvents,
  request,
  TEST_IDENTITY,
  waitFor,
  type ClientSocket,
} from '../support/harness.ts';
import { startCommitteeHarness, type CommitteeHarness } from '../committee/support.ts';

let h: CommitteeHarness;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  h = await startCommitteeHarness();
});

afterAll(async () => {
  for (const socket of sockets) {
    socket.close();
  }
  await h.close();
});

interface Member {
  token: string;
  memberId: string;
  socket: ClientSocket;
  events: Map<string, unknown[]>;
  status: 'joined' | 'waiting';
}

function memberIdOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
  return payload.sub;
}

/** A committee meeting whose guests wait for a host (no early entry). */
async function committeeMeeting(): Promise<string> {
  const meeting = await h.signaling.meetings.createForOrganiser(h.owner.accountId, {
    title: 'Conseil de discipline',
    kind: 'committee',
    startsAt: Date.now(),
    allowEarlyEntry: false,
  });
  return meeting.id;
}

/** What an invitation gives its holder: a room token, obtained over HTTP like the web app does. */
async function redeem(
  meetingId: string,
  options: { role: InviteRole; requireAdmission: boolean; name: string },
): Promise<string> {
  const created = await h.api('POST', `/organiser/meetings/${meetingId}/invites`, {
    body: {
      label: null,
      role: options.role,
      requirePasscode: false,
      requireAdmission: options.requireAdmission,
    },
  });
  expect(created.status).toBe(201);
  const { invite } = createInviteResponseSchema.parse(await created.json());
  const res = await h.api('POST', `/invites/${invite.inviteId}/join-tokens`, {
    as: null,
    body: { displayName: options.name },
  });
  expect(res.status).toBe(201);
  return roomTokenResponseSchema.parse(await res.json()).token;
}

/** The organiser's own host token (the `/h/:meeting` page asks for it). */
async function hostToken(meetingId: string): Promise<string> {
  const res = await h.api('POST', `/organiser/meetings/${meetingId}/host-token`, {
    body: {},
  });
  expect(res.status).toBe(201);
  return roomTokenResponseSchema.parse(await res.json()).token;
}

async function connectAndJoin(token: string): Promise<Member> {
  const outcome = await attemptConnect(h.baseUrl, { auth: { token, protocolVersion: PROTOCOL_VERSION } });
  sockets.push(outcome.socket);
  if (outcome.kind !== 'connected') {
    throw new Error(`could not connect: ${outcome.kind}`);
  }
  const events = recordEvents(outcome.socket);
  const answer = okData(await request(outcome.socket, 'join', { identity: TEST_IDENTITY }));
  return { token, memberId: memberIdOf(token), socket: outcome.socket, events, status: answer.status };
}

function call(
  method: string,
  path: string,
  token: string,
  options: { body?: Uint8Array; writer?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (options.body) {
    headers['content-type'] = 'application/octet-stream';
  }
  if (options.writer !== undefined) {
    headers['x-recording-writer'] = options.writer;
  }
  return fetch(`${h.baseUrl}/api${path}`, {
    method,
    headers,
    ...(options.body ? { body: options.body } : {}),
  });
}

async function refusal(res: Response): Promise<{ status: number; reason: string }> {
  return { status: res.status, reason: errorBodySchema.parse(await res.json()).reason };
}

/** Every read route of a recording, as the bearer of `token`. */
async function readAll(
  meetingId: string,
  recordingId: string,
  token: string,
): Promise<Array<{ status: number; reason?: string }>> {
  const answers = await Promise.all([
    call('GET', `/meetings/${meetingId}/recordings`, token),
    call('GET', `/recordings/${recordingId}/chunks/0`, token),
    call('GET', `/recordings/${recordingId}/chapters`, token),
  ]);
  return Promise.all(answers.map(async (res) => (res.ok ? { status: res.status } : refusal(res))));
}

const NOT_ADMITTED = { status: 403, reason: 'not-admitted' };

describe('recordings are for members a host let in (finding 1)', () => {
  it('refuses every recording route to a level-3 guest never admitted, waiting, or refused; serves admitted members', async () => {
    const meetingId = await committeeMeeting();
    const chair = await connectAndJoin(await hostToken(meetingId));
    expect(chair.status).toBe('joined');
    const created = await call('POST', `/meetings/${meetingId}/recordings`, chair.token);
    expect(created.status).toBe(201);
    const { recordingId, writeToken } = createRecordingResponseSchema.parse(await created.json());
    const chunk = randomBytes(256);
    expect(
      (
        await call('PUT', `/recordings/${recordingId}/chunks/0`, chair.token, {
          body: chunk,
          writer: writeToken,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('PUT', `/recordings/${recordingId}/chapters`, chair.token, {
          body: randomBytes(64),
          writer: writeToken,
        })
      ).status,
    ).toBe(201);

    // The attack: redeem a level-3 invitation and go straight to the recordings, never connecting.
    const guestToken = await redeem(meetingId, {
      role: 'participant',
      requireAdmission: true,
      name: 'Inconnu',
    });
    expect(await readAll(meetingId, recordingId, guestToken)).toEqual([
      NOT_ADMITTED,
      NOT_ADMITTED,
      NOT_ADMITTED,
    ]);

    // Connected and waiting in the lobby: still nothing.
    const guest = await connectAndJoin(guestToken);
    expect(guest.status).toBe('waiting');
    expect(await readAll(meetingId, recordingId, guestToken)).toEqual([
      NOT_ADMITTED,
      NOT_ADMITTED,
      NOT_ADMITTED,
    ]);

    // Refused at the door: the token is dead everywhere.
    const refusedGuest = await connectAndJoin(
      await redeem(meetingId, { role: 'participant', requireAdmission: true, name: 'Refusé' }),
    );
    expect(refusedGuest.status).toBe('waiting');
    okData(await request(chair.socket, 'refuseEntry', { memberId: refusedGuest.memberId }));
    await waitFor(
      'the refused guest to be told',
      () => (refusedGuest.events.get('roomClosed') ?? []).length > 0,
    );
    const afterRefusal = await readAll(meetingId, recordingId, refusedGuest.token);
    expect(afterRefusal.map((a) => a.status)).toEqual([401, 401, 401]);

    // Positive control: a guest the chair admits reads the recording, byte for byte.
    const admitted = await connectAndJoin(
      await redeem(meetingId, { role: 'participant', requireAdmission: true, name: 'Admise' }),
    );
    expect(admitted.status).toBe('waiting');
    okData(await request(chair.socket, 'admit', { memberIds: [admitted.memberId] }));
    await waitFor('the guest to be admitted', () => (admitted.events.get('admitted') ?? []).length > 0);
    expect(await readAll(meetingId, recordingId, admitted.token)).toEqual([
      { status: 200 },
      { status: 200 },
      { status: 200 },
    ]);
    const list = recordingListResponseSchema.parse(
      await (await call('GET', `/meetings/${meetingId}/recordings`, admitted.token)).json(),
    );
    expect(list.recordings.map((r) => r.recordingId)).toEqual([recordingId]);
    const downloaded = Buffer.from(
      await (await call('GET', `/recordings/${recordingId}/chunks/0`, admitted.token)).arrayBuffer(),
    );
    expect(downloaded.equals(chunk)).toBe(true);
  });

  it('refuses a level-1 guest waiting for a host, and serves them once a host arrived and let them in', async () => {
    const meetingId = await committeeMeeting();
    // An earlier session of the committee left a recording.
    const chair = await connectAndJoin(await hostToken(meetingId));
    const created = createRecordingResponseSchema.parse(
      await (await call('POST', `/meetings/${meetingId}/recordings`, chair.token)).json(),
    );
    expect(
      (
        await call('PUT', `/recordings/${created.recordingId}/chunks/0`, chair.token, {
          body: randomBytes(32),
          writer: created.writeToken,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('PUT', `/recordings/${created.recordingId}/chapters`, chair.token, {
          body: randomBytes(32),
          writer: created.writeToken,
        })
      ).status,
    ).toBe(201);
    okData(await request(chair.socket, 'leave', {}));

    const guestToken = await redeem(meetingId, {
      role: 'participant',
      requireAdmission: false,
      name: 'Membre',
    });
    const guest = await connectAndJoin(guestToken);
    expect(guest.status).toBe('waiting');
    expect(await readAll(meetingId, created.recordingId, guestToken)).toEqual([
      NOT_ADMITTED,
      NOT_ADMITTED,
      NOT_ADMITTED,
    ]);

    // A host arrives: the guest is let in, and reads.
    await connectAndJoin(await hostToken(meetingId));
    await waitFor('the guest to be let in', () => (guest.events.get('admitted') ?? []).length > 0);
    expect((await readAll(meetingId, created.recordingId, guestToken)).map((a) => a.status)).toEqual([
      200, 200, 200,
    ]);
  });

  it('keeps a member who left admitted for the grace, and drops a removed member at once', async () => {
    const meetingId = await committeeMeeting();
    const chair = await connectAndJoin(await hostToken(meetingId));
    const created = createRecordingResponseSchema.parse(
      await (await call('POST', `/meetings/${meetingId}/recordings`, chair.token)).json(),
    );
    const leaving = await connectAndJoin(
      await redeem(meetingId, { role: 'participant', requireAdmission: false, name: 'Partante' }),
    );
    const removed = await connectAndJoin(
      await redeem(meetingId, { role: 'participant', requireAdmission: false, name: 'Exclu' }),
    );
    expect([leaving.status, removed.status]).toEqual(['joined', 'joined']);
    okData(await request(leaving.socket, 'leave', {}));
    expect((await call('GET', `/meetings/${meetingId}/recordings`, leaving.token)).status).toBe(200);
    okData(await request(chair.socket, 'removeMember', { memberId: removed.memberId }));
    await waitFor('the removal', () => (removed.events.get('roomClosed') ?? []).length > 0);
    expect(await refusal(await call('GET', `/meetings/${meetingId}/recordings`, removed.token))).toEqual({
      status: 401,
      reason: 'removed',
    });
    expect(created.recordingId).toBeTruthy();
  });
});

describe('only the admitted chair writes the record (finding 2)', () => {
  it('refuses a co-host waiting at the door to create, overtake a chunk index, or finish the chair’s recording', async () => {
    const meetingId = await committeeMeeting();
    const chair = await connectAndJoin(await hostToken(meetingId));
    const created = createRecordingResponseSchema.parse(
      await (await call('POST', `/meetings/${meetingId}/recordings`, chair.token)).json(),
    );
    const { recordingId, writeToken } = created;
    expect(
      (
        await call('PUT', `/recordings/${recordingId}/chunks/0`, chair.token, {
          body: randomBytes(64),
          writer: writeToken,
        })
      ).status,
    ).toBe(201);

    // A co-host invitation with admission: the token says co-host, the door says wait.
    const coHostToken = await redeem(meetingId, {
      role: 'co-host',
      requireAdmission: true,
      name: 'Faux greffier',
    });
    const coHost = await connectAndJoin(coHostToken);
    expect(coHost.status).toBe('waiting');
    const attacks = [
      call('POST', `/meetings/${meetingId}/recordings`, coHostToken),
      // Ahead of the chair, with and without a guessed write token.
      call('PUT', `/recordings/${recordingId}/chunks/1`, coHostToken, { body: randomBytes(64) }),
      call('PUT', `/recordings/${recordingId}/chunks/1`, coHostToken, {
        body: randomBytes(64),
        writer: randomBytes(32).toString('base64url'),
      }),
      call('PUT', `/recordings/${recordingId}/chapters`, coHostToken, { body: randomBytes(64) }),
      call('POST', `/recordings/${recordingId}/finish`, coHostToken),
    ];
    for (const answer of await Promise.all(attacks)) {
      expect(await refusal(answer)).toEqual(NOT_ADMITTED);
    }
    expect((await h.signaling.meetings.get(meetingId))?.id).toBe(meetingId);

    // The chair's record is untouched: index 1 is still free, and the recording still open.
    expect(
      (
        await call('PUT', `/recordings/${recordingId}/chunks/1`, chair.token, {
          body: randomBytes(64),
          writer: writeToken,
        })
      ).status,
    ).toBe(201);

    // Admitted, the co-host may record on their own, but still not add to or end the chair's.
    okData(await request(chair.socket, 'admit', { memberIds: [coHost.memberId] }));
    await waitFor('the co-host to be admitted', () => (coHost.events.get('admitted') ?? []).length > 0);
    for (const answer of await Promise.all([
      call('PUT', `/recordings/${recordingId}/chunks/2`, coHostToken, { body: randomBytes(64) }),
      call('POST', `/recordings/${recordingId}/finish`, coHostToken, { writer: 'x'.repeat(43) }),
    ])) {
      expect(await refusal(answer)).toEqual({ status: 403, reason: 'forbidden' });
    }
    const own = await call('POST', `/meetings/${meetingId}/recordings`, coHostToken);
    expect(own.status).toBe(201);

    const finished = await call('POST', `/recordings/${recordingId}/finish`, chair.token, {
      writer: writeToken,
    });
    expect(finished.status).toBe(200);
    const summary = (await finished.json()) as {
      chunks: Array<{ index: number }>;
      finishedAt: number | null;
    };
    expect(summary.chunks.map((c) => c.index)).toEqual([0, 1]);
    expect(summary.finishedAt).not.toBeNull();
  });

  it('lets the chair who started a recording finish it after a reload (new member id, same write token)', async () => {
    const meetingId = await committeeMeeting();
    const first = await connectAndJoin(await hostToken(meetingId));
    const { recordingId, writeToken } = createRecordingResponseSchema.parse(
      await (await call('POST', `/meetings/${meetingId}/recordings`, first.token)).json(),
    );
    okData(await request(first.socket, 'leave', {}));
    const again = await connectAndJoin(await hostToken(meetingId));
    expect(again.memberId).not.toBe(first.memberId);
    expect(
      (
        await call('PUT', `/recordings/${recordingId}/chunks/0`, again.token, {
          body: randomBytes(64),
          writer: writeToken,
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('POST', `/recordings/${recordingId}/finish`, again.token, { writer: writeToken })).status,
    ).toBe(200);
  });
});
