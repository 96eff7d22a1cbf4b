import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  okData,
  opusRtpParameters,
  refusalOf,
  request,
  startHarness,
  TEST_IDENTITY,
  type Harness,
} from '../support/harness.ts';
import { arrive, disconnected, organiserMeeting, publish } from './support.ts';

describe('roles and the end of a meeting survive reconnects', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a co-host demoted to participant does not get the role back by reconnecting with the token issued before', async () => {
    const room = await organiserMeeting(h, true);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const coHost = await arrive(h, { room, name: 'Associate', role: 'co-host' });
    okData(await request(host.socket, 'setMemberRole', { memberId: coHost.memberId, role: 'participant' }));
    const again = await h.connect(coHost.token.token);
    const answer = okData(await request(again, 'join', { identity: TEST_IDENTITY }));
    expect(answer.status === 'joined' ? answer.self.role : answer.status).toBe('participant');
  });

  it('an observer does not publish again by reconnecting with the participant token issued before', async () => {
    const room = await organiserMeeting(h, true);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const bob = await arrive(h, { room, name: 'Bob' });
    okData(await request(host.socket, 'setMemberRole', { memberId: bob.memberId, role: 'observer' }));
    const again = await h.connect(bob.token.token);
    okData(await request(again, 'join', { identity: TEST_IDENTITY }));
    const transportId = okData(await request(again, 'createTransport', { direction: 'send' })).id;
    const ack = await request(again, 'produce', {
      transportId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(5),
      source: 'microphone',
    });
    expect(refusalOf(ack)).toBe('forbidden');
  });

  it('after endMeeting, a participant token re-enters the open meeting', async () => {
    const room = await organiserMeeting(h, true);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const bob = await arrive(h, { room, name: 'Bob' });
    await publish(bob.socket);
    okData(await request(host.socket, 'endMeeting', {}));
    expect(await disconnected(bob.socket)).toBe(true);
    const again = await h.connect(bob.token.token);
    const answer = okData(await request(again, 'join', { identity: TEST_IDENTITY }));
    expect(answer.status).not.toBe('joined');
  });
});
