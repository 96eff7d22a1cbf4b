import { newLinkSecret } from '@confidentiel/e2ee';
import { ProtocolError } from '@confidentiel/protocol';
import { describe, expect, it } from 'vitest';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { createMinutesCipher, minutesContext } from './minutesCipher.ts';
import { loadMinutes, saveMinutes } from './minutesRequests.ts';

const MEETING = 'MeetingMeetingMeeting1';
const ITEM = 'itemBudget000001';

/** A server keeping one sealed text per item, refusing a stale revision like signaling does. */
function fakeServer(): {
  client: CommitteeRequester;
  stored: Map<string, { revision: number; sealed: string }>;
} {
  const stored = new Map<string, { revision: number; sealed: string }>();
  const handle = (name: string, payload: unknown): unknown => {
    if (name === 'getMinutes') {
      return { items: [...stored].map(([itemId, entry]) => ({ itemId, ...entry })) };
    }
    if (name === 'saveMinutes') {
      const { itemId, revision, sealed } = payload as { itemId: string; revision: number; sealed: string };
      if (revision !== (stored.get(itemId)?.revision ?? 0) + 1) {
        throw new ProtocolError('conflict', 'stale revision');
      }
      stored.set(itemId, { revision, sealed });
      return { revision, sha256: '00' };
    }
    throw new ProtocolError('unknown-event', name);
  };
  const client = {
    committeeRequest: (name: string, payload: unknown) => Promise.resolve().then(() => handle(name, payload)),
  } as unknown as CommitteeRequester;
  return { client, stored };
}

describe('minutes sealing', () => {
  it('opens what it sealed, for the same item and revision only', async () => {
    const cipher = await createMinutesCipher(newLinkSecret(), MEETING);
    const sealed = await cipher.seal(ITEM, 2, 'Le budget est adopté.');
    expect(sealed).not.toContain('budget');
    await expect(cipher.open(ITEM, 2, sealed)).resolves.toBe('Le budget est adopté.');
    await expect(cipher.open(ITEM, 1, sealed)).rejects.toThrow();
    await expect(cipher.open('itemMisc00000001', 2, sealed)).rejects.toThrow();
    expect(minutesContext(ITEM, 2)).toBe(`${ITEM}:2`);
  });

  it('cannot open minutes sealed with another link secret or for another meeting', async () => {
    const secret = newLinkSecret();
    const sealed = await (await createMinutesCipher(secret, MEETING)).seal(ITEM, 1, 'texte');
    await expect(
      (await createMinutesCipher(newLinkSecret(), MEETING)).open(ITEM, 1, sealed),
    ).rejects.toThrow();
    await expect(
      (await createMinutesCipher(secret, 'OtherMeetingOtherMeet1')).open(ITEM, 1, sealed),
    ).rejects.toThrow();
  });

  it('refuses a link secret that is not one', async () => {
    await expect(createMinutesCipher('short', MEETING)).rejects.toThrow(TypeError);
  });
});

describe('saving and loading minutes', () => {
  it('saves revision 1, then 2, and everyone with the key reads the latest', async () => {
    const secret = newLinkSecret();
    const { client, stored } = fakeServer();
    const secretary = await createMinutesCipher(secret, MEETING);
    await expect(saveMinutes(client, secretary, ITEM, 0, 'premier jet')).resolves.toEqual({
      outcome: 'saved',
      revision: 1,
    });
    await expect(saveMinutes(client, secretary, ITEM, 1, 'version relue')).resolves.toEqual({
      outcome: 'saved',
      revision: 2,
    });
    expect(stored.get(ITEM)?.revision).toBe(2);
    const reader = await createMinutesCipher(secret, MEETING);
    expect(await loadMinutes(client, reader)).toEqual(
      new Map([[ITEM, { revision: 2, text: 'version relue' }]]),
    );
  });

  it('on a conflict, reloads and returns the revision that won', async () => {
    const secret = newLinkSecret();
    const { client } = fakeServer();
    const first = await createMinutesCipher(secret, MEETING);
    const second = await createMinutesCipher(secret, MEETING);
    await saveMinutes(client, first, ITEM, 0, 'texte de la secrétaire');
    // The second secretary still edits over "nothing saved".
    const outcome = await saveMinutes(client, second, ITEM, 0, 'texte du président');
    expect(outcome.outcome).toBe('conflict');
    if (outcome.outcome === 'conflict') {
      expect(outcome.latest).toBe(1);
      expect(outcome.entries.get(ITEM)).toEqual({ revision: 1, text: 'texte de la secrétaire' });
    }
    // Saving again over the latest revision now succeeds.
    await expect(saveMinutes(client, second, ITEM, 1, 'texte du président')).resolves.toEqual({
      outcome: 'saved',
      revision: 2,
    });
  });

  it('passes other refusals on', async () => {
    const cipher = await createMinutesCipher(newLinkSecret(), MEETING);
    const client = {
      committeeRequest: () => Promise.reject(new ProtocolError('forbidden', 'not a secretary')),
    } as unknown as CommitteeRequester;
    await expect(saveMinutes(client, cipher, ITEM, 0, 'x')).rejects.toMatchObject({ reason: 'forbidden' });
  });

  it('marks minutes sealed with another key as unreadable instead of failing', async () => {
    const { client } = fakeServer();
    await saveMinutes(client, await createMinutesCipher(newLinkSecret(), MEETING), ITEM, 0, 'secret');
    const other = await createMinutesCipher(newLinkSecret(), MEETING);
    expect(await loadMinutes(client, other)).toEqual(new Map([[ITEM, { revision: 1, text: null }]]));
  });
});
