import i18n from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JournalListResponse, JournalSummary, RecordingSummary } from '@confidentiel/protocol';
import { resources } from '../i18n/index.ts';
import { JournalListView, type JournalListState } from './JournalList.tsx';
import { OrganiserRecordingsView, type SaveState } from './RecordingList.tsx';

/*
 * The clerk's record on the organiser's meeting page, rendered to markup (no
 * DOM in unit tests): what the journal card says of signatures and
 * time-stamps, with and without an authority, and the recordings' downloads.
 */

beforeAll(async () => {
  await i18n.use(initReactI18next).init({ resources, lng: 'fr', interpolation: { escapeValue: false } });
});

const MEETING = 'AbCdEfGhIjKlMnOpQrStUv';
const KEY = '0123456789abcdef';

function journal(overrides: Partial<JournalSummary> = {}): JournalSummary {
  return {
    sessionId: '2030-01-15T09:00:00.000Z',
    file: '2030-01-15T09:00:00.000Z.jsonl',
    startedAt: Date.UTC(2030, 0, 15, 9),
    entries: 45,
    closed: true,
    keyIds: [KEY],
    timeStamps: { tokens: 0, failures: 0, anchoredEntries: 0, authorities: [] },
    ...overrides,
  };
}

/** The markup with its entities read back, so that sentences compare as written. */
function plain(html: string): string {
  return html.replaceAll('&#x27;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&');
}

function card(list: JournalListResponse): string {
  const state: JournalListState = { status: 'ready', list };
  return plain(renderToStaticMarkup(<JournalListView meetingId={MEETING} state={state} />));
}

const untranslated = /organiser\.journals\.|recording\.(library|organiser)\./;

describe('journal card', () => {
  it('says plainly that nothing is time-stamped when the server has no TSA_URL, and what the signature covers', () => {
    const html = card({ journals: [journal()], service: { keyId: KEY, timeStamping: null } });
    expect(html).toMatch(/data-testid="journal-timestamping"[^>]*data-configured="false"/);
    expect(html).toContain(
      "Non horodaté : aucun service d'horodatage (TSA_URL) n'est configuré sur ce serveur ; la date des entrées est celle de l'horloge du serveur.",
    );
    expect(html).toContain("l'exploitant du service renseigne TSA_URL");
    expect(html).toContain(`empreinte ${KEY}`);
    expect(html).toContain("l'empreinte de l'entrée précédente");
    expect(html).toContain('ne prouve pas, à elle seule, quand');
    expect(html).toMatch(/data-testid="journal-stamp"[^>]*data-tokens="0"[^>]*>Non horodaté</);
    expect(html).not.toContain('Horodaté par');
    expect(html).toContain('verify-journal.ts journal.jsonl --public-key');
    expect(html).not.toMatch(untranslated);
  });

  it('names the authority and the entries its tokens cover when time-stamped', () => {
    const html = card({
      journals: [
        journal({
          timeStamps: { tokens: 3, failures: 0, anchoredEntries: 44, authorities: ['tsa.example.fr'] },
        }),
      ],
      service: { keyId: KEY, timeStamping: { authority: 'tsa.example.fr', every: 20 } },
    });
    expect(html).toContain('Horodaté par tsa.example.fr : 44 entrées sur 45');
    expect(html).toMatch(/data-testid="journal-timestamping"[^>]*data-configured="true"/);
    expect(html).toContain('toutes les 20 entrées');
    expect(html).not.toContain('aucun service');
    expect(html).not.toMatch(untranslated);
  });

  it('does not call a journal time-stamped when the authority failed, nor hide another key', () => {
    const html = card({
      journals: [
        journal({
          keyIds: ['fedcba9876543210'],
          timeStamps: { tokens: 0, failures: 2, anchoredEntries: 0, authorities: ['tsa.example.fr'] },
        }),
      ],
      service: { keyId: KEY, timeStamping: { authority: 'tsa.example.fr', every: 20 } },
    });
    expect(html).toContain("Non horodaté : l'autorité tsa.example.fr n'a pas répondu");
    expect(html).toContain("2 demandes d'horodatage ont échoué");
    expect(html).not.toContain('Horodaté par');
    expect(html).toContain('data-testid="journal-other-key"');
    expect(html).toContain('fedcba9876543210');
  });

  it('says the same in English', async () => {
    await i18n.changeLanguage('en');
    try {
      const html = card({ journals: [journal()], service: { keyId: KEY, timeStamping: null } });
      expect(html).toContain(
        "Not time-stamped: no time-stamping service (TSA_URL) is configured on this server; the entries' times come from the server's clock.",
      );
      expect(html).not.toMatch(untranslated);
    } finally {
      await i18n.changeLanguage('fr');
    }
  });
});

const RECORDING: RecordingSummary = {
  recordingId: 'ReCoRdInGiDReCoRdInGiD',
  meetingId: MEETING,
  startedAt: Date.UTC(2030, 0, 15, 9),
  chunks: [{ index: 0, size: 1_500_000, sha256: 'a'.repeat(64) }],
  hasChapters: true,
  finishedAt: Date.UTC(2030, 0, 15, 10, 1, 5),
};

function recordings(keyStatus: 'held' | 'not-here', save: SaveState | null = null): string {
  const noop = (): void => undefined;
  return plain(
    renderToStaticMarkup(
      <OrganiserRecordingsView
        keyStatus={keyStatus}
        list={{ status: 'ready', recordings: [RECORDING] }}
        playback={null}
        onRefresh={noop}
        onPlay={noop}
        onSeek={noop}
        onClose={noop}
        save={save}
        archiveUrl={(id) => `/archive/${id}`}
        onSave={noop}
      />,
    ),
  );
}

describe("organiser's recordings", () => {
  it('offers both downloads when this browser holds the committee secret', () => {
    const html = recordings('held');
    expect(html).toContain('data-testid="recording-row"');
    expect(html).toContain('1:01:05');
    expect(html).toContain('chapitres (ordre du jour)');
    expect(html).toMatch(
      /<button[^>]*data-testid="recording-download-webm"[^>]*>Télécharger \(déchiffré, WebM\)/,
    );
    expect(html).not.toMatch(/data-testid="recording-download-webm"[^>]*disabled/);
    expect(html).toMatch(
      /href="\/archive\/ReCoRdInGiDReCoRdInGiD"[^>]*data-testid="recording-download-sealed"/,
    );
    expect(html).not.toContain('data-testid="recording-no-secret"');
    expect(html).not.toMatch(untranslated);
  });

  it('says what to do without the secret, and still offers the sealed download', () => {
    const html = recordings('not-here');
    expect(html).toMatch(/data-testid="recording-no-secret"[^>]*data-status="not-here"/);
    expect(html).toContain('Ouvrez cette page dans le navigateur qui a créé la réunion');
    expect(html).toMatch(
      /<button[^>]*disabled=""[^>]*data-testid="recording-download-webm"|data-testid="recording-download-webm"[^>]*disabled=""/,
    );
    expect(html).toContain('data-testid="recording-download-sealed"');
    expect(html).not.toMatch(untranslated);
  });

  it('shows the progress, the saved file and a failure in words', () => {
    const saving = recordings('held', {
      status: 'saving',
      recordingId: RECORDING.recordingId,
      done: 2,
      total: 5,
    });
    expect(saving).toContain('Téléchargement et déchiffrement : 2 / 5 segments');
    const saved = recordings('held', {
      status: 'saved',
      recordingId: RECORDING.recordingId,
      file: 'enregistrement-2030-01-15-1000.webm',
      chaptersUrl: 'blob:chapters',
      chaptersFile: 'enregistrement-2030-01-15-1000.vtt',
    });
    expect(saved).toContain('enregistré sous enregistrement-2030-01-15-1000.webm');
    expect(saved).toContain('data-testid="recording-save-chapters"');
    const failed = recordings('held', { status: 'failed', recordingId: RECORDING.recordingId, piece: 3 });
    expect(failed).toContain("Le segment 3 ne s'ouvre pas");
    for (const html of [saving, saved, failed]) {
      expect(html).not.toMatch(untranslated);
    }
  });
});
