/**
 * Deliberation in camera, against the real service (signaling, SQLite,
 * journal files, a real SFU): a host sends members back to the waiting room;
 * their media goes on the SFU, the others are told they left (so that their
 * browsers re-key), every join of theirs waits for a host's admission (never
 * early entry, whatever their token), recordings answer them no more, and a
 * host's admission brings them back. Refusals change nothing. In a committee
 * session the journal records who sent whom out and who let them back in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  roomEvents,
  type LobbyEntry,
  type ResponseOf,
  type roomRequests,
} from '@confidentiel/protocol';
import {
  attemptConnect,
  okData,
  recordEvents,
  request,
  sleep,
  TEST_IDENTITY,
  waitFor,
  type ClientSocket,
} from '../support/harness.ts';
import { disconnected, publish } from '../security/support.ts';
import {
  must,
  parseJournal,
  refused,
  startCommitteeHarness,
  type CommitteeHarness,
  type Entry,
  type Person,
} from './support.ts';

let h: CommitteeHarness;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  h = await startCommitteeHarness();
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) {
    socket.close();
  }
  await h?.close();
});

function seen(person: { events: Map<string, unknown[]> }, event: string): unknown[] {
  return person.events.get(event) ?? [];
}

/** Someone who connected again, with the answer to their join. */
type Back = Person & { answer: ResponseOf<typeof roomRequests, 'join'> };

/** The same person connecting again with `token` (a reload, a reconnect) and asking to join. */
async function comeBack(person: Person, token = person.token.token): Promise<Back> {
  const outcome = await attemptConnect(h.baseUrl, { auth: { token, protocolVersion: PROTOCOL_VERSION } });
  sockets.push(outcome.socket);
  if (outcome.kind !== 'connected') {
    throw new Error(`${person.name} could not connect again: ${outcome.kind}`);
  }
  const events = recordEvents(outcome.socket);
  const answer = okData(await request(outcome.socket, 'join', { identity: TEST_IDENTITY }));
  return { ...person, socket: outcome.socket, events, status: answer.status, answer };
}

/** The latest lobby a host was told of. */
function lobbyOf(host: Person): LobbyEntry[] {
  const all = seen(host, 'lobbyChanged');
  return all.length === 0 ? [] : roomEvents.lobbyChanged.parse(all[all.length - 1]).waiting;
}

function recordings(meetingId: string, person: Person): Promise<number> {
  return fetch(`${h.baseUrl}/api/meetings/${meetingId}/recordings`, {
    headers: { authorization: `Bearer ${person.token.token}` },
  }).then((res) => res.status);
}

describe('sending members back to the waiting room', () => {
  it('takes a participant out: media released, the others told, then waiting for admission (deliberation) until the host admits', async () => {
    const meetingId = await h.createMeeting('meeting');
    const host = await h.arrive(meetingId, 'host', 'Présidente');
    const ada = await h.arrive(meetingId, 'participant', 'Ada');
    const bob = await h.arrive(meetingId, 'participant', 'Bob');
    const media = await publish(bob.socket, { camera: true });
    await waitFor('Ada to hear of Bob’s camera', () => seen(ada, 'producerAdded').length === 2);
    expect(await recordings(meetingId, bob)).toBe(200);

    const answer = await must(host, 'sendToLobby', { memberIds: [bob.memberId] });
    expect(answer).toEqual({ sent: [bob.memberId] });
    // Bob is told why, then his connection ends.
    await waitFor('Bob to be told', () => seen(bob, 'roomClosed').length === 1);
    expect(seen(bob, 'roomClosed')).toEqual([{ reason: 'sent-to-lobby' }]);
    expect(await disconnected(bob.socket)).toBe(true);
    // The others hear that he left (their browsers draw fresh keys for those who remain).
    for (const person of [host, ada]) {
      await waitFor(`${person.name} to hear Bob left`, () =>
        seen(person, 'memberLeft').some((e) => (e as { memberId: string }).memberId === bob.memberId),
      );
    }
    expect(
      seen(ada, 'producerClosed')
        .map((e) => (e as { producerId: string }).producerId)
        .sort(),
    ).toEqual([media.microphone, media.camera!].sort());
    // His media is gone on the SFU.
    await waitFor('Bob’s producers to close on the SFU', () =>
      [media.microphone, media.camera!].every((id) => h.sfu.media.producers.get(id)?.closed === true),
    );
    // Nothing outside the room answers him meanwhile.
    expect(await recordings(meetingId, bob)).toBe(403);

    // His browser joins again (the same token): it waits, with the reason, and the host sees him.
    const back = await comeBack(bob);
    expect(back.answer).toEqual({ status: 'waiting', reason: 'deliberation' });
    await waitFor('the host to see Bob waiting', () =>
      lobbyOf(host).some((e) => e.memberId === bob.memberId && e.needsAdmission),
    );
    expect(await recordings(meetingId, bob)).toBe(403);
    // A refused request proves he is not in (media needs admission).
    expect((await request(back.socket, 'createTransport', { direction: 'recv' })).ok).toBe(false);

    // The host admits him: he enters as on a first admission.
    const joined = seen(ada, 'memberJoined').length;
    expect(await must(host, 'admit', { memberIds: [bob.memberId] })).toEqual({ admitted: [bob.memberId] });
    await waitFor('Bob to be admitted', () => seen(back, 'admitted').length === 1);
    const admitted = roomEvents.admitted.parse(seen(back, 'admitted')[0]);
    expect(admitted.members.map((m) => m.memberId).sort()).toEqual([host.memberId, ada.memberId].sort());
    await waitFor('Ada to see Bob again', () => seen(ada, 'memberJoined').length === joined + 1);
    expect(okData(await request(back.socket, 'createTransport', { direction: 'recv' })).id).toBeTruthy();
    expect(await recordings(meetingId, bob)).toBe(200);
    await waitFor('the lobby to be empty', () => lobbyOf(host).length === 0);

    // Admitted means released: a reload enters at once again.
    back.socket.close();
    await sleep(200);
    const reloaded = await comeBack(bob);
    expect(reloaded.answer.status).toBe('joined');
    for (const person of [host, ada, reloaded]) {
      person.socket.close();
    }
  });

  it('keeps a held-out member waiting on every join (level-1 token, host present, early entry allowed, refreshed token, co-host)', async () => {
    const meetingId = await h.createMeeting('meeting');
    const host = await h.arrive(meetingId, 'host', 'Présidente');
    const carl = await h.arrive(meetingId, 'participant', 'Carl');
    const cohost = await h.arrive(meetingId, 'co-host', 'Greffière');
    // Positive control: Carl's level-1 token enters at once while a host is there.
    expect(carl.status).toBe('joined');
    expect(cohost.status).toBe('joined');

    expect(await must(host, 'sendToLobby', { memberIds: [carl.memberId, cohost.memberId] })).toEqual({
      sent: [carl.memberId, cohost.memberId],
    });
    expect(await disconnected(carl.socket)).toBe(true);
    expect(await disconnected(cohost.socket)).toBe(true);

    const carlBack = await comeBack(carl);
    expect(carlBack.answer).toEqual({ status: 'waiting', reason: 'deliberation' });
    // A co-host's token would enter at once: held out, it waits too.
    const cohostBack = await comeBack(cohost);
    expect(cohostBack.answer).toEqual({ status: 'waiting', reason: 'deliberation' });
    // A host arriving lets in those who wait for a host only, never these.
    const second = await h.arrive(meetingId, 'host', 'Vice-présidente');
    expect(second.status).toBe('joined');
    await sleep(300);
    expect(seen(carlBack, 'admitted')).toEqual([]);
    expect(seen(cohostBack, 'admitted')).toEqual([]);

    // A refreshed token (the browser refreshes while waiting) and a reload with it: still waiting.
    const fresh = okData(await request(carlBack.socket, 'refreshToken', {}));
    carlBack.socket.close();
    const reloaded = await comeBack(carl, fresh.token);
    expect(reloaded.answer).toEqual({ status: 'waiting', reason: 'deliberation' });
    await sleep(300);
    expect(seen(reloaded, 'admitted')).toEqual([]);

    // `admitAll` brings everyone back.
    const all = await must(host, 'admitAll', {});
    expect(all.admitted.sort()).toEqual([carl.memberId, cohost.memberId].sort());
    await waitFor('both to be admitted', () =>
      [reloaded, cohostBack].every((p) => seen(p, 'admitted').length === 1),
    );
    for (const person of [host, second, reloaded, cohostBack]) {
      person.socket.close();
    }
  });

  it('refuses a participant, oneself, a host, someone unknown or waiting, with a reason, and changes nothing', async () => {
    const meetingId = await h.createMeeting('meeting');
    const host = await h.arrive(meetingId, 'host', 'Présidente');
    const cohost = await h.arrive(meetingId, 'co-host', 'Greffière');
    const dora = await h.arrive(meetingId, 'participant', 'Dora');
    const eve = await h.arrive(meetingId, 'participant', 'Eve');
    const waiting = await h.arrive(meetingId, 'participant', 'Invitée', { lobby: true });
    expect(waiting.status).toBe('waiting');

    const cases: Array<[Person, string[], string, RegExp]> = [
      [dora, [eve.memberId], 'forbidden', /host/],
      [host, [host.memberId], 'forbidden', /yourself/],
      [cohost, [host.memberId], 'forbidden', /cannot act on a host/],
      [cohost, [cohost.memberId], 'forbidden', /yourself/],
      [host, ['nobody-here-at-all'], 'not-found', /not found/],
      [host, [waiting.memberId], 'not-found', /not found/],
      // All or nothing: Eve is sent nowhere because the other target is refused.
      [host, [eve.memberId, 'nobody-here-at-all'], 'not-found', /not found/],
      [cohost, [eve.memberId, host.memberId], 'forbidden', /host/],
    ];
    for (const [actor, memberIds, reason, message] of cases) {
      const error = await refused(actor, 'sendToLobby', { memberIds });
      expect(error.reason, `${actor.name} -> ${memberIds.join(',')}`).toBe(reason);
      expect(error.message).toMatch(message);
    }
    await sleep(300);
    for (const person of [host, cohost, dora, eve]) {
      expect(seen(person, 'memberLeft'), person.name).toEqual([]);
      expect(seen(person, 'roomClosed'), person.name).toEqual([]);
      expect(person.socket.connected, person.name).toBe(true);
    }
    // Nobody was held out: Eve reconnecting enters at once (negative control of the mark).
    eve.socket.close();
    await sleep(200);
    const eveAgain = await comeBack(eve);
    expect(eveAgain.answer.status).toBe('joined');
    // Positive control: the co-host may send a participant out.
    expect(await must(cohost, 'sendToLobby', { memberIds: [dora.memberId] })).toEqual({
      sent: [dora.memberId],
    });
    for (const person of [host, cohost, dora, eveAgain, waiting]) {
      person.socket.close();
    }
  });

  it('logs each sending-out like the other moderation actions, without addresses', async () => {
    const meetingId = await h.createMeeting('meeting');
    const host = await h.arrive(meetingId, 'host', 'Présidente');
    const finn = await h.arrive(meetingId, 'participant', 'Finn');
    await must(host, 'sendToLobby', { memberIds: [finn.memberId] });
    const line = await waitFor('the audit line', () =>
      h.logs.lines
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find(
          (l) =>
            l.msg === 'moderation' && l.action === 'send-to-lobby' && l.target === finn.memberId.slice(0, 6),
        ),
    );
    expect(line).toMatchObject({ by: host.memberId.slice(0, 6), room: meetingId.slice(0, 6) });
    expect(JSON.stringify(line)).not.toMatch(/127\.0\.0\.1|::1/);
    host.socket.close();
  });
});

describe('deliberation in a committee session', () => {
  it('journals who sent whom out and who let them back in; the offline verifier accepts the journal', async () => {
    const meetingId = await h.createMeeting('committee');
    await h.putAgenda(meetingId, [{ title: 'Délibéré' }]);
    const chair = await h.arrive(meetingId, 'host', 'M. le Président');
    const member = await h.arrive(meetingId, 'participant', 'Mme Assesseure');
    await must(chair, 'sendToLobby', { memberIds: [member.memberId] });
    expect(await disconnected(member.socket)).toBe(true);
    const back = await comeBack(member);
    expect(back.answer).toEqual({ status: 'waiting', reason: 'deliberation' });
    await must(chair, 'admit', { memberIds: [member.memberId] });
    await waitFor('the member to be back', () => seen(back, 'admitted').length === 1);
    await must(chair, 'endMeeting', {});

    const list = await waitFor('the closed journal', async () => {
      const journals = await h.journals(meetingId);
      return journals.length === 1 && journals[0]!.closed ? journals : undefined;
    });
    const text = await h.journalText(meetingId, list[0]!.sessionId);
    const journal: Entry[] = parseJournal(text);
    const report = await h.verify(text);
    expect(report.ok).toBe(true);
    const seq = journal
      .filter((e) => e.type.startsWith('member-'))
      .map((e) => [e.type, e.data.memberId ?? null]);
    expect(seq.slice(0, 6)).toEqual([
      ['member-joined', chair.memberId],
      ['member-joined', member.memberId],
      ['member-sent-to-lobby', member.memberId],
      ['member-left', member.memberId],
      ['member-admitted', member.memberId],
      ['member-joined', member.memberId],
    ]);
    expect(journal.find((e) => e.type === 'member-sent-to-lobby')!.data).toEqual({
      memberId: member.memberId,
      displayName: 'Mme Assesseure',
      role: 'participant',
      by: chair.memberId,
    });
    expect(journal.find((e) => e.type === 'member-admitted')!.data).toMatchObject({ by: chair.memberId });
  });
});
