import { describe, expect, it } from 'vitest';
import { committeeSecretBytes, committeeSecretText, newCommitteeSecret } from '@confidentiel/e2ee';
import { TypedEmitter } from '@confidentiel/events';
import type { CommitteeState, MemberInfo, MemberRole } from '@confidentiel/protocol';
import type { MeetingClientEvents } from '../media/MeetingClient.ts';
import { initialMeetingState, type MeetingState } from '../media/meetingState.ts';
import type { E2eeSessionEvents } from '../e2ee/E2eeSession.ts';
import { CommitteeKeyHolder, GENERATE_AFTER_MS, type CommitteeSecretKeeping } from './CommitteeKeyHolder.ts';
import { committeeState, member } from './testFixtures.ts';

class FakeClient extends TypedEmitter<MeetingClientEvents> {
  state: MeetingState = initialMeetingState;
  committee: CommitteeState | null = null;

  join(self: MemberInfo, members: MemberInfo[], committee: CommitteeState | null = committeeState()): void {
    this.state = { ...this.state, self, members };
    this.committee = committee;
    this.emit('joined', { self, members });
    this.emit('state', this.state);
    if (committee) {
      this.emit('committeeState', committee);
    }
  }

  arrive(info: MemberInfo): void {
    this.state = { ...this.state, members: [...this.state.members, info] };
    this.emit('memberJoined', info);
    this.emit('state', this.state);
  }

  setRole(memberId: string, role: MemberRole): void {
    this.state = {
      ...this.state,
      members: this.state.members.map((m) => (m.memberId === memberId ? { ...m, role } : m)),
    };
    this.emit('state', this.state);
  }
}

class FakeSession extends TypedEmitter<E2eeSessionEvents> {
  readonly shared: Array<{ to: string; secret: string }> = [];
  /** Members the fake KeyManager does not know (yet): sharing answers false. */
  readonly unknown = new Set<string>();

  shareCommitteeSecret(memberId: string, secret: Uint8Array): Promise<boolean> {
    if (this.unknown.has(memberId)) {
      return Promise.resolve(false);
    }
    this.shared.push({ to: memberId, secret: committeeSecretText(secret) });
    return Promise.resolve(true);
  }

  deliver(from: string, secret: string): void {
    this.emit('committeeSecret', { from, secret: committeeSecretBytes(secret)! });
  }
}

function memoryKeeping(initial: string | null = null): CommitteeSecretKeeping & { value: string | null } {
  const keeping = {
    value: initial,
    load: () => keeping.value,
    save: (secret: string) => {
      keeping.value = secret;
    },
  };
  return keeping;
}

function manualTimer(): {
  setTimer: (callback: () => void, ms: number) => () => void;
  fire: () => void;
  pending: () => number[];
} {
  const timers = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  return {
    setTimer: (callback, ms) => {
      const id = next++;
      timers.set(id, { callback, ms });
      return () => timers.delete(id);
    },
    fire: () => {
      for (const [id, timer] of [...timers]) {
        timers.delete(id);
        timer.callback();
      }
    },
    pending: () => [...timers.values()].map((t) => t.ms),
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function setup(keeping: CommitteeSecretKeeping | null, timer = manualTimer()) {
  const client = new FakeClient();
  const session = new FakeSession();
  const holder = new CommitteeKeyHolder({ client, session, keeping, setTimer: timer.setTimer });
  return { client, session, holder, timer };
}

describe('CommitteeKeyHolder', () => {
  it('the chair hands the kept secret to every member with a committee role, once, and not to observers', async () => {
    const secret = newCommitteeSecret();
    const { client, session, holder } = setup(memoryKeeping(secret));
    client.join(member('chair', 'Présidente', 'host'), [
      member('m1', 'Membre', 'participant'),
      member('obs', 'Presse', 'observer'),
      member('vice', 'Vice-président', 'co-host'),
    ]);
    await flush();
    expect(holder.snapshot).toEqual({ status: 'held', secret });
    expect(session.shared.map((s) => s.to).sort()).toEqual(['m1', 'vice']);
    expect(new Set(session.shared.map((s) => s.secret))).toEqual(new Set([secret]));
    // Later state changes send nothing again; a member admitted later gets it.
    client.emit('state', client.state);
    client.arrive(member('m2', 'Nouveau', 'participant'));
    await flush();
    expect(session.shared.map((s) => s.to).sort()).toEqual(['m1', 'm2', 'vice']);
    // An observer made participant gets it then.
    client.setRole('obs', 'participant');
    await flush();
    expect(session.shared.map((s) => s.to)).toContain('obs');
  });

  it('tries again a member the key distribution did not know yet', async () => {
    const { client, session } = setup(memoryKeeping(newCommitteeSecret()));
    session.unknown.add('late');
    client.join(member('chair', 'Présidente', 'host'), [member('late', 'Retard', 'participant')]);
    await flush();
    expect(session.shared).toEqual([]);
    session.unknown.delete('late');
    client.emit('state', client.state);
    await flush();
    expect(session.shared.map((s) => s.to)).toEqual(['late']);
  });

  it('a participant shares nothing, and takes the secret only from a host or co-host', async () => {
    const { client, session, holder } = setup(null);
    client.join(member('me', 'Moi', 'participant'), [
      member('chair', 'Présidente', 'host'),
      member('other', 'Autre', 'participant'),
    ]);
    expect(holder.snapshot).toEqual({ status: 'waiting', secret: null });
    session.deliver('other', newCommitteeSecret());
    session.deliver('stranger', newCommitteeSecret());
    expect(holder.snapshot.status).toBe('waiting');
    const secret = newCommitteeSecret();
    session.deliver('chair', secret);
    expect(holder.snapshot).toEqual({ status: 'held', secret });
    // A second, different secret does not replace the first.
    session.deliver('chair', newCommitteeSecret());
    expect(holder.snapshot.secret).toBe(secret);
    await flush();
    expect(session.shared).toEqual([]);
  });

  it('an observer is told the record is not for them, and takes no secret', () => {
    const { client, session, holder } = setup(null);
    client.join(member('me', 'Presse', 'observer'), [member('chair', 'Présidente', 'host')]);
    session.deliver('chair', newCommitteeSecret());
    expect(holder.snapshot).toEqual({ status: 'not-entitled', secret: null });
  });

  it('a co-host who received it hands it on to members admitted later', async () => {
    const { client, session } = setup(null);
    client.join(member('me', 'Vice', 'co-host'), [member('chair', 'Présidente', 'host')]);
    const secret = newCommitteeSecret();
    session.deliver('chair', secret);
    client.arrive(member('m3', 'Membre', 'participant'));
    await flush();
    expect(session.shared).toEqual([
      { to: 'chair', secret },
      { to: 'm3', secret },
    ]);
  });

  it('the organiser keeps a secret handed by another of their devices', () => {
    const keeping = memoryKeeping(null);
    const { client, session, holder, timer } = setup(keeping);
    client.join(member('me', 'Présidente', 'host'), [member('laptop', 'Présidente', 'host')]);
    expect(timer.pending()).toEqual([GENERATE_AFTER_MS]);
    const secret = newCommitteeSecret();
    session.deliver('laptop', secret);
    expect(keeping.value).toBe(secret);
    expect(timer.pending()).toEqual([]);
    expect(holder.snapshot.secret).toBe(secret);
  });

  it('a host with no secret makes one after the wait, keeps it and hands it out', async () => {
    const keeping = memoryKeeping(null);
    const { client, session, holder, timer } = setup(keeping);
    client.join(member('me', 'Présidente', 'host'), [member('m1', 'Membre', 'participant')]);
    expect(holder.snapshot.status).toBe('waiting');
    timer.fire();
    await flush();
    expect(holder.snapshot.status).toBe('held');
    expect(keeping.value).toBe(holder.snapshot.secret);
    expect(session.shared).toEqual([{ to: 'm1', secret: holder.snapshot.secret }]);
  });

  it('a guest host without keeping (a co-host link) never makes a secret', () => {
    const { client, holder, timer } = setup(null);
    client.join(member('me', 'Hôte invité', 'host'), []);
    expect(timer.pending()).toEqual([]);
    expect(holder.snapshot.status).toBe('waiting');
  });

  it('does nothing outside a committee session, and nothing after close', async () => {
    const { client, session, holder } = setup(memoryKeeping(newCommitteeSecret()));
    client.join(member('me', 'Hôte', 'host'), [member('m1', 'Membre', 'participant')], null);
    await flush();
    expect(holder.snapshot.status).toBe('not-committee');
    expect(session.shared).toEqual([]);
    holder.close();
    holder.close();
    client.committee = committeeState();
    client.arrive(member('m2', 'Membre', 'participant'));
    await flush();
    expect(session.shared).toEqual([]);
  });
});
