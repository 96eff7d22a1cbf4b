import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalIdentity,
  newLinkSecret,
  openLobbyChannel,
  openLobbyMessage,
  sealLobbyMessage,
  type LobbyChannel,
  type LocalIdentity,
} from '@confidentiel/e2ee';
import { MAX_LOBBY_MESSAGES_PER_BATCH, roomEvents } from '@confidentiel/protocol';
import { CHAT_MESSAGES_PER_10S } from '../../src/socket/RoomGateway.ts';
import {
  okData,
  rawRequest,
  recordEvents,
  refusalOf,
  request,
  startHarness,
  waitFor,
  type Harness,
} from '../support/harness.ts';
import {
  expectNoEvents,
  issueToken,
  organiserMeeting,
  seen,
  type Person,
  type RoomClaims,
} from './support.ts';

const TEXT = 'Je vous fais entrer dans deux minutes, Madame Martin';

interface Party extends Person {
  identity: LocalIdentity;
}

/**
 * The lobby chat through a real signaling server: what it accepts from whom, to whom it relays,
 * and that it relays the sealed bytes untouched (it never has the text).
 */
describe('lobby chat', () => {
  let h: Harness;
  const linkSecret = newLinkSecret();

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  /** Joins with a real identity made with the meeting's link secret. */
  async function arrive(claims: RoomClaims): Promise<Party> {
    const identity = await createLocalIdentity({ linkSecret });
    const token = issueToken(h.roomTokens, claims);
    const socket = await h.connect(token.token);
    const events = recordEvents(socket);
    const answer = okData(await request(socket, 'join', { identity: identity.publicKeys }));
    return { memberId: token.memberId, token, socket, events, answer, identity };
  }

  async function channel(self: Party, peer: Party): Promise<LobbyChannel> {
    const result = await openLobbyChannel({
      selfId: self.memberId,
      identity: self.identity,
      peerId: peer.memberId,
      peerKeys: peer.identity.publicKeys,
      linkSecret,
    });
    if (!result.ok) {
      throw new Error(`channel refused: ${result.reason}`);
    }
    return result.channel;
  }

  function lobbyMessages(person: Person) {
    return seen(person, 'lobbyMessage').map((payload) => roomEvents.lobbyMessage.parse(payload));
  }

  /** A host and a participant in the room, two guests waiting for admission. */
  async function scene() {
    const room = await organiserMeeting(h, true);
    const host = await arrive({ room, name: 'Maître Dupont', role: 'host' });
    const member = await arrive({ room, name: 'Collaboratrice' });
    const guest = await arrive({ room, name: 'Madame Martin', lobby: true });
    const other = await arrive({ room, name: 'Monsieur Petit', lobby: true });
    expect(guest.answer.status).toBe('waiting');
    expect(other.answer.status).toBe('waiting');
    return { room, host, member, guest, other };
  }

  function close(...people: Person[]): void {
    for (const person of people) {
      person.socket.close();
    }
  }

  it('gives hosts the identity keys of the people waiting', async () => {
    const { host, member, guest, other } = await scene();
    await waitFor('the host to see both guests waiting', () => {
      const all = seen(host, 'lobbyChanged');
      const last = all.length === 0 ? [] : roomEvents.lobbyChanged.parse(all[all.length - 1]).waiting;
      return last.length === 2 && last;
    });
    const all = seen(host, 'lobbyChanged');
    const last = roomEvents.lobbyChanged.parse(all[all.length - 1]).waiting;
    expect(last.find((w) => w.memberId === guest.memberId)?.identity).toEqual(guest.identity.publicKeys);
    close(host, member, guest, other);
  });

  it('relays a host’s sealed message to the waiting person only, untouched, and it opens there', async () => {
    const { host, member, guest, other } = await scene();
    const ciphertext = await sealLobbyMessage(await channel(host, guest), TEXT);
    expect(ciphertext).not.toContain(TEXT);
    const answer = okData(
      await request(host.socket, 'sendLobbyMessages', { messages: [{ to: guest.memberId, ciphertext }] }),
    );
    expect(answer.undelivered).toEqual([]);
    await waitFor('the guest to get the message', () => lobbyMessages(guest).length > 0);
    const [received] = lobbyMessages(guest);
    expect(received).toEqual({
      from: host.memberId,
      fromName: 'Maître Dupont',
      fromRole: 'host',
      identity: host.identity.publicKeys,
      ciphertext,
      sentAt: answer.sentAt,
    });
    // What the server relayed is what the host sealed: it opens at the guest's, with the host's keys as relayed.
    const opened = await openLobbyChannel({
      selfId: guest.memberId,
      identity: guest.identity,
      peerId: received!.from,
      peerKeys: received!.identity,
      linkSecret,
    });
    expect(opened.ok).toBe(true);
    expect(opened.ok && (await openLobbyMessage(opened.channel, received!.ciphertext))).toMatchObject({
      ok: true,
      text: TEXT,
    });
    // Nobody else got it: not the other guest, not the room, not the host back.
    await expectNoEvents([other, member, host], ['lobbyMessage']);
    // The text never reached the server: not in anything it logged.
    expect(h.signalingLogs.lines.some((line) => line.includes(TEXT))).toBe(false);
    expect(h.signalingLogs.lines.some((line) => line.includes('member waiting'))).toBe(true);
    close(host, member, guest, other);
  });

  it('writes to everyone waiting in one request, each their own sealed copy', async () => {
    const { host, member, guest, other } = await scene();
    const messages = await Promise.all(
      [guest, other].map(async (to) => ({
        to: to.memberId,
        ciphertext: await sealLobbyMessage(await channel(host, to), TEXT),
      })),
    );
    okData(await request(host.socket, 'sendLobbyMessages', { messages }));
    for (const [person, sent] of [
      [guest, messages[0]!],
      [other, messages[1]!],
    ] as const) {
      await waitFor('each guest to get their copy', () => lobbyMessages(person).length === 1);
      expect(lobbyMessages(person)[0]!.ciphertext).toBe(sent.ciphertext);
    }
    // Each copy opens only for its own addressee.
    const forOther = await channel(other, host);
    expect(await openLobbyMessage(forOther, messages[0]!.ciphertext)).toEqual({
      ok: false,
      reason: 'misaddressed',
    });
    close(host, member, guest, other);
  });

  it('refuses a participant, and a host writing to someone not waiting: nothing is delivered', async () => {
    const { host, member, guest, other } = await scene();
    const fromMember = await sealLobbyMessage(await channel(member, guest), TEXT);
    expect(
      refusalOf(
        await request(member.socket, 'sendLobbyMessages', {
          messages: [{ to: guest.memberId, ciphertext: fromMember }],
        }),
      ),
    ).toBe('forbidden');
    // To a member of the room, to an unknown id: not waiting.
    const toMember = await sealLobbyMessage(await channel(host, member), TEXT);
    for (const to of [member.memberId, 'nobody-waiting-here']) {
      expect(
        refusalOf(
          await request(host.socket, 'sendLobbyMessages', { messages: [{ to, ciphertext: toMember }] }),
        ),
        to,
      ).toBe('not-found');
    }
    // A mixed batch delivers to the one waiting and names the other.
    const toGuest = await sealLobbyMessage(await channel(host, guest), TEXT);
    const mixed = okData(
      await request(host.socket, 'sendLobbyMessages', {
        messages: [
          { to: member.memberId, ciphertext: toMember },
          { to: guest.memberId, ciphertext: toGuest },
        ],
      }),
    );
    expect(mixed.undelivered).toEqual([member.memberId]);
    await waitFor('the guest to get the one addressed to them', () => lobbyMessages(guest).length === 1);
    await expectNoEvents([member, other, host], ['lobbyMessage']);
    expect(lobbyMessages(guest)).toHaveLength(1);
    close(host, member, guest, other);
  });

  it('stops at admission: an admitted guest is no longer written to as waiting', async () => {
    const { host, member, guest, other } = await scene();
    okData(await request(host.socket, 'admit', { memberIds: [guest.memberId] }));
    await waitFor('the guest to be admitted', () => seen(guest, 'admitted').length === 1);
    const ciphertext = await sealLobbyMessage(await channel(host, guest), TEXT);
    expect(
      refusalOf(
        await request(host.socket, 'sendLobbyMessages', { messages: [{ to: guest.memberId, ciphertext }] }),
      ),
    ).toBe('not-found');
    await expectNoEvents([guest], ['lobbyMessage']);
    close(host, member, guest, other);
  });

  it('lets the waiting person answer hosts only', async () => {
    const { host, member, guest, other } = await scene();
    const reply = await sealLobbyMessage(await channel(guest, host), "J'arrive");
    okData(
      await request(guest.socket, 'sendLobbyMessages', {
        messages: [{ to: host.memberId, ciphertext: reply }],
      }),
    );
    await waitFor('the host to get the answer', () => lobbyMessages(host).length > 0);
    const [received] = lobbyMessages(host);
    expect(received).toMatchObject({
      from: guest.memberId,
      fromName: 'Madame Martin',
      fromRole: 'waiting',
      identity: guest.identity.publicKeys,
      ciphertext: reply,
    });
    expect(await openLobbyMessage(await channel(host, guest), received!.ciphertext)).toMatchObject({
      ok: true,
      text: "J'arrive",
    });
    // Not to a participant, not to another person waiting.
    for (const to of [member, other]) {
      const sealed = await sealLobbyMessage(await channel(guest, to), 'Bonjour');
      expect(
        refusalOf(
          await request(guest.socket, 'sendLobbyMessages', {
            messages: [{ to: to.memberId, ciphertext: sealed }],
          }),
        ),
      ).toBe('not-found');
    }
    await expectNoEvents([member, other], ['lobbyMessage']);
    close(host, member, guest, other);
  });

  it('refuses malformed batches before anything is relayed', async () => {
    const { host, member, guest, other } = await scene();
    const ciphertext = await sealLobbyMessage(await channel(host, guest), TEXT);
    const bad: unknown[] = [
      { messages: [] },
      {
        messages: [
          { to: guest.memberId, ciphertext },
          { to: guest.memberId, ciphertext },
        ],
      },
      { messages: [{ to: guest.memberId, ciphertext: `${ciphertext}!` }] },
      { messages: [{ to: guest.memberId, ciphertext: 'A'.repeat(12_001) }] },
      {
        messages: Array.from({ length: MAX_LOBBY_MESSAGES_PER_BATCH + 1 }, (_, i) => ({
          to: `someone-${i}`,
          ciphertext: 'A'.repeat(20),
        })),
      },
      { messages: [{ to: guest.memberId, ciphertext, text: TEXT }] },
    ];
    for (const payload of bad) {
      expect(refusalOf(await rawRequest(host.socket, 'sendLobbyMessages', [payload]))).toBe(
        'invalid-payload',
      );
    }
    await expectNoEvents([guest], ['lobbyMessage']);
    close(host, member, guest, other);
  });

  it('applies the chat’s budget per member', async () => {
    const { host, member, guest, other } = await scene();
    const ciphertext = await sealLobbyMessage(await channel(host, guest), TEXT);
    const payload = { messages: [{ to: guest.memberId, ciphertext }] };
    const refusals: Array<string | undefined> = [];
    for (let i = 0; i <= CHAT_MESSAGES_PER_10S; i++) {
      refusals.push(refusalOf(await request(host.socket, 'sendLobbyMessages', payload)));
    }
    expect(refusals.slice(0, CHAT_MESSAGES_PER_10S).every((r) => r === undefined)).toBe(true);
    expect(refusals[CHAT_MESSAGES_PER_10S]).toBe('rate-limited');
    await waitFor(
      'the guest to get the accepted ones',
      () => lobbyMessages(guest).length === CHAT_MESSAGES_PER_10S,
    );
    close(host, member, guest, other);
  });
});
