import { describe, expect, it } from 'vitest';
import { deriveE2eeStatus, withLocalMedia, type E2eeStatusInput } from './e2eeStatus.ts';

const steady: E2eeStatusInput = {
  failure: false,
  started: true,
  rejectedMembers: 0,
  sendTransforms: [
    { active: true, hasKey: true },
    { active: true, hasKey: true },
  ],
  remoteMemberIds: ['alice', 'bob'],
  membersWithKeys: new Set(['alice', 'bob']),
  pendingAcks: 0,
  badTagDelta: 0,
};

describe('deriveE2eeStatus', () => {
  it('says on only with running send transforms that have a key and every member key in hand', () => {
    expect(deriveE2eeStatus(steady)).toEqual({ state: 'on', reason: 'in-sync' });
  });

  it('never says on while a send transform has no key', () => {
    const status = deriveE2eeStatus({
      ...steady,
      sendTransforms: [
        { active: true, hasKey: true },
        { active: true, hasKey: false },
      ],
    });
    expect(status).toEqual({ state: 'waiting', reason: 'no-sender-key' });
  });

  it('never says on when nothing is sent: a receive-only participant is told they receive encrypted media', () => {
    expect(deriveE2eeStatus({ ...steady, sendTransforms: [] })).toEqual({
      state: 'receiving',
      reason: 'receive-only',
    });
    // Camera and microphone both switched off: their transforms are no longer active.
    expect(
      deriveE2eeStatus({
        ...steady,
        sendTransforms: [
          { active: false, hasKey: true },
          { active: false, hasKey: true },
        ],
        pendingAcks: 1,
      }),
    ).toEqual({ state: 'receiving', reason: 'receive-only' });
  });

  it('a receive-only participant still waits for the keys of those who send', () => {
    expect(deriveE2eeStatus({ ...steady, sendTransforms: [], membersWithKeys: new Set(['alice']) })).toEqual({
      state: 'waiting',
      reason: 'missing-keys',
      count: 1,
    });
  });

  it('a problem outranks receive-only', () => {
    expect(deriveE2eeStatus({ ...steady, sendTransforms: [], badTagDelta: 2 }).state).toBe('problem');
    expect(deriveE2eeStatus({ ...steady, sendTransforms: [], started: false }).state).toBe('waiting');
  });

  it('waits for the keys of members who have not sent theirs', () => {
    expect(deriveE2eeStatus({ ...steady, membersWithKeys: new Set(['alice']) })).toEqual({
      state: 'waiting',
      reason: 'missing-keys',
      count: 1,
    });
  });

  it('is syncing while a new key waits for acknowledgements', () => {
    expect(deriveE2eeStatus({ ...steady, pendingAcks: 2 })).toEqual({ state: 'syncing', reason: 'rotating' });
  });

  it('a problem outranks everything', () => {
    expect(deriveE2eeStatus({ ...steady, failure: true, sendTransforms: [] }).reason).toBe('failure');
    expect(deriveE2eeStatus({ ...steady, rejectedMembers: 1 })).toMatchObject({
      state: 'problem',
      reason: 'rejected',
    });
    expect(deriveE2eeStatus({ ...steady, badTagDelta: 5 })).toMatchObject({
      state: 'problem',
      reason: 'auth-failures',
    });
  });

  it('is waiting before the session started', () => {
    expect(deriveE2eeStatus({ ...steady, started: false })).toEqual({ state: 'waiting', reason: 'starting' });
  });
});

describe('withLocalMedia', () => {
  it('tells someone with every device off what they receive, once every key is here', () => {
    expect(withLocalMedia({ state: 'on', reason: 'in-sync' }, false)).toEqual({
      state: 'receiving',
      reason: 'receive-only',
    });
    expect(withLocalMedia({ state: 'syncing', reason: 'rotating' }, false).state).toBe('receiving');
  });

  it('changes nothing for someone who sends, nor a wait or a problem', () => {
    expect(withLocalMedia({ state: 'on', reason: 'in-sync' }, true)).toEqual({
      state: 'on',
      reason: 'in-sync',
    });
    const missing = { state: 'waiting', reason: 'missing-keys', count: 1 } as const;
    expect(withLocalMedia(missing, false)).toBe(missing);
    const problem = { state: 'problem', reason: 'auth-failures', count: 3 } as const;
    expect(withLocalMedia(problem, false)).toBe(problem);
  });
});
