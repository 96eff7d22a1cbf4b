import { describe, expect, it } from 'vitest';
import { createLocalIdentity, newLinkSecret, type LocalIdentity } from '@confidentiel/e2ee';
import { TypedEmitter } from '@confidentiel/events';
import type { MemberRole } from '@confidentiel/protocol';
import type { MeetingClientEvents } from '../../media/MeetingClient.ts';
import { initialMeetingState, type MeetingState } from '../../media/meetingState.ts';
import { LobbyChat, type LobbyChatClient } from './LobbyChat.ts';
import { tokenSubject } from './tokenSubject.ts';

type LobbyMessage = MeetingClientEvents['lobbyMessage'][0];

/** A JWT-shaped token whose `sub` is `memberId` (the signature is never read here). */
function tokenFor(memberId: string): string {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, '');
  return `${part({ alg: 'HS256' })}.${part({ sub: memberId, exp: 9_999_999_999 })}.sig`;
}

/**
 * Two browsers, a host in the room and a guest in its lobby, wired by a fake server that relays
 * what the real one would (sender's name, role and identity keys from its own state).
 */
class FakeClient extends TypedEmitter<MeetingClientEvents> implements LobbyChatClient {
  state: MeetingState = initialMeetingState;
  readonly sent: Array<{ to: string; ciphertext: string }> = [];
  peers = new Map<string, FakeClient>();

  readonly memberId: string;
  readonly name: string;
  readonly role: MemberRole | 'waiting';
  readonly identity: LocalIdentity;

  constructor(memberId: string, name: string, role: MemberRole | 'waiting', identity: LocalIdentity) {
    super();
    this.memberId = memberId;
    this.name = name;
    this.role = role;
    this.identity = identity;
  }

  get token(): string {
    return tokenFor(this.memberId);
  }

  sendLobbyMessages(
    messages: ReadonlyArray<{ to: string; ciphertext: string }>,
  ): Promise<{ sentAt: number; undelivered: string[] }> {
    const undelivered: string[] = [];
    for (const message of messages) {
      this.sent.push(message);
      const peer = this.peers.get(message.to);
      if (peer === undefined) {
        undelivered.push(message.to);
        continue;
      }
      peer.deliver({
        from: this.memberId,
        fromName: this.name,
        fromRole: this.role === 'waiting' ? 'waiting' : this.role === 'co-host' ? 'co-host' : 'host',
        identity: this.identity.publicKeys,
        ciphertext: message.ciphertext,
        sentAt: 1_000,
      });
    }
    return Promise.resolve({ sentAt: 1_000, undelivered });
  }

  deliver(message: LobbyMessage): void {
    this.emit('lobbyMessage', message);
  }
}

async function scene(options: { hostSecret?: string; guestSecret?: string } = {}) {
  const secret = newLinkSecret();
  const hostSecret = options.hostSecret ?? secret;
  const guestSecret = options.guestSecret ?? secret;
  const hostIdentity = await createLocalIdentity({ linkSecret: hostSecret });
  const guestIdentity = await createLocalIdentity({ linkSecret: guestSecret });
  const host = new FakeClient('host-member-0001', 'Maître Dupont', 'host', hostIdentity);
  const guest = new FakeClient('guest-member-001', 'Madame Martin', 'waiting', guestIdentity);
  host.peers.set(guest.memberId, guest);
  guest.peers.set(host.memberId, host);
  host.state = {
    ...initialMeetingState,
    phase: { name: 'joined', media: 'connected' },
    self: {
      memberId: host.memberId,
      displayName: host.name,
      joinedAt: 0,
      identity: hostIdentity.publicKeys,
      senderIndex: 1,
      role: 'host',
    },
    lobby: [
      {
        memberId: guest.memberId,
        displayName: guest.name,
        waitingSince: 0,
        needsAdmission: true,
        identity: guestIdentity.publicKeys,
      },
    ],
  };
  guest.state = { ...initialMeetingState, phase: { name: 'waiting', reason: 'admission' } };
  const hostChat = new LobbyChat({ identity: hostIdentity, linkSecret: hostSecret });
  const guestChat = new LobbyChat({ identity: guestIdentity, linkSecret: guestSecret });
  hostChat.attach(host);
  guestChat.attach(guest);
  return { host, guest, hostChat, guestChat };
}

async function settled(chat: LobbyChat, count: number): Promise<void> {
  for (let i = 0; i < 100 && chat.getSnapshot().entries.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('LobbyChat', () => {
  it('reads the member id of a token', () => {
    expect(tokenSubject(tokenFor('guest-member-001'))).toBe('guest-member-001');
    expect(tokenSubject('not-a-token')).toBeNull();
  });

  it('carries a host’s message to the person waiting, sealed, and their answer back', async () => {
    const { host, guest, hostChat, guestChat } = await scene();
    const text = 'Nous commençons dans cinq minutes';
    await hostChat.send(text);
    expect(host.sent).toHaveLength(1);
    expect(host.sent[0]!.ciphertext).not.toContain(text);
    await settled(guestChat, 1);
    expect(guestChat.getSnapshot().entries).toMatchObject([
      { kind: 'received', text, from: { memberId: host.memberId, name: 'Maître Dupont' }, fromRole: 'host' },
    ]);
    expect(guestChat.getSnapshot().hosts).toEqual([{ memberId: host.memberId, name: 'Maître Dupont' }]);
    expect(hostChat.getSnapshot().entries).toMatchObject([
      { kind: 'sent', to: 'all', text, undelivered: [] },
    ]);

    expect(await guestChat.send("J'arrive")).toMatchObject({ kind: 'sent', to: 'hosts' });
    expect(guest.sent[0]!.ciphertext).not.toContain('arrive');
    await settled(hostChat, 2);
    expect(hostChat.getSnapshot().entries[1]).toMatchObject({
      kind: 'received',
      text: "J'arrive",
      fromRole: 'waiting',
    });
  });

  it('shows a replayed message once', async () => {
    const { host, guest, hostChat, guestChat } = await scene();
    await hostChat.send('Bonjour');
    await settled(guestChat, 1);
    guest.deliver({
      from: host.memberId,
      fromName: host.name,
      fromRole: 'host',
      identity: host.identity.publicKeys,
      ciphertext: host.sent[0]!.ciphertext,
      sentAt: 2_000,
    });
    await hostChat.send('Encore un instant');
    await settled(guestChat, 2);
    expect(guestChat.getSnapshot().entries.map((e) => (e.kind === 'received' ? e.text : e.kind))).toEqual([
      'Bonjour',
      'Encore un instant',
    ]);
  });

  it('refuses a sender whose identity does not match the invite link, showing no text', async () => {
    // The host's keys carry the MAC of another link: as if the server had put in keys of its own.
    const { host, guest, hostChat, guestChat } = await scene({ hostSecret: newLinkSecret() });
    // The host's browser refuses to write to someone whose identity fails its own check, too.
    await expect(hostChat.send('Bonjour')).rejects.toMatchObject({ reason: 'not-found' });
    expect(host.sent).toEqual([]);
    const forged = await LobbyChatForgery.seal(host, guest);
    guest.deliver(forged);
    await settled(guestChat, 1);
    expect(guestChat.getSnapshot().entries).toMatchObject([{ kind: 'failed', reason: 'bad-link-mac' }]);
    expect(JSON.stringify(guestChat.getSnapshot())).not.toContain('Suivez ce lien');
    expect(guestChat.getSnapshot().hosts).toEqual([]);
  });

  it('refuses an empty or too long text, and writing with nobody waiting', async () => {
    const { host, hostChat } = await scene();
    await expect(hostChat.send('   ')).rejects.toThrow(TypeError);
    await expect(hostChat.send('x'.repeat(4_001))).rejects.toThrow(TypeError);
    host.state = { ...host.state, lobby: [] };
    await expect(hostChat.send('Bonjour')).rejects.toMatchObject({ reason: 'not-found' });
    expect(host.sent).toEqual([]);
  });
});

/** A message sealed by the host's real keys without the checks (what a hostile relay would pass on). */
const LobbyChatForgery = {
  async seal(host: FakeClient, guest: FakeClient): Promise<LobbyMessage> {
    const { openLobbyChannel, sealLobbyMessage } = await import('@confidentiel/e2ee');
    const result = await openLobbyChannel({
      selfId: host.memberId,
      identity: host.identity,
      peerId: guest.memberId,
      peerKeys: guest.identity.publicKeys,
      linkSecret: undefined,
    });
    if (!result.ok) {
      throw new Error(result.reason);
    }
    return {
      from: host.memberId,
      fromName: host.name,
      fromRole: 'host',
      identity: host.identity.publicKeys,
      ciphertext: await sealLobbyMessage(result.channel, 'Suivez ce lien'),
      sentAt: 1_000,
    };
  },
};
