import i18n from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../i18n/index.ts';
import { meetingStatusText } from './meetingStatusText.ts';

const START = new Date(2030, 0, 15, 14, 30).getTime();

beforeAll(async () => {
  await i18n.init({ resources, lng: 'fr', interpolation: { escapeValue: false } });
});

describe('a meeting status in words', () => {
  it('says in French what happened, with its date or time', async () => {
    await i18n.changeLanguage('fr');
    const text = (meeting: Parameters<typeof meetingStatusText>[0]): string =>
      meetingStatusText(meeting, i18n.t, 'fr');
    expect(text({ status: 'scheduled', lastSession: null })).toBe('Prévue');
    expect(text({ status: 'live', lastSession: { startedAt: START, endedAt: null } })).toBe(
      'En cours depuis 14:30',
    );
    expect(text({ status: 'ended', lastSession: { startedAt: START, endedAt: START + 3_600_000 } })).toBe(
      'Tenue le 15 janvier 2030',
    );
    expect(text({ status: 'cancelled', lastSession: null })).toBe('Annulée');
  });

  it('says it in English too', async () => {
    await i18n.changeLanguage('en');
    const text = (meeting: Parameters<typeof meetingStatusText>[0]): string =>
      meetingStatusText(meeting, i18n.t, 'en');
    expect(text({ status: 'ended', lastSession: { startedAt: START, endedAt: START + 1 } })).toBe(
      'Held on January 15, 2030',
    );
    expect(text({ status: 'live', lastSession: { startedAt: START, endedAt: null } })).toMatch(
      /^In progress since 2:30\sPM$/,
    );
    // A record without its session still says where the meeting stands.
    expect(text({ status: 'ended', lastSession: null })).toBe('Held');
  });
});
