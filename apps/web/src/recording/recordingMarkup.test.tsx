import i18n from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordingSummary } from '@confidentiel/protocol';
import { resources } from '../i18n/index.ts';
import type { RecorderSnapshot } from './CommitteeRecorder.ts';
import { RecordingControlsView } from './RecordingControls.tsx';
import {
  formatDuration,
  RecordingsLibraryView,
  type LibraryKeyStatus,
  type LibraryList,
  type Playback,
} from './RecordingsLibrary.tsx';

/*
 * The recording panels rendered to markup (no DOM in unit tests): the test
 * ids the browser tests use, and nothing left untranslated.
 */

beforeAll(async () => {
  await i18n.use(initReactI18next).init({ resources, lng: 'fr', interpolation: { escapeValue: false } });
});

const snapshot: RecorderSnapshot = {
  phase: 'idle',
  recordingId: null,
  uploaded: 0,
  pending: 0,
  failing: false,
  error: null,
};
const noop = (): void => {};

function controls(patch: Partial<RecorderSnapshot>, other = false, canRecord = true): string {
  return renderToStaticMarkup(
    <RecordingControlsView
      snapshot={{ ...snapshot, ...patch }}
      canRecord={canRecord}
      otherRecording={other}
      onStart={noop}
      onStop={noop}
      onRetry={noop}
    />,
  );
}

const recording: RecordingSummary = {
  recordingId: 'RecordingIdRecordingId',
  meetingId: 'MeetingIdMeetingIdMeet',
  startedAt: Date.UTC(2030, 0, 15, 9, 0, 0),
  chunks: [
    { index: 0, size: 600_000, sha256: 'a'.repeat(64) },
    { index: 1, size: 600_000, sha256: 'b'.repeat(64) },
  ],
  hasChapters: true,
  finishedAt: Date.UTC(2030, 0, 15, 10, 1, 5),
};

function library(
  list: LibraryList,
  playback: Playback | null = null,
  keyStatus: LibraryKeyStatus = 'held',
): string {
  return renderToStaticMarkup(
    <RecordingsLibraryView
      keyStatus={keyStatus}
      list={list}
      playback={playback}
      onRefresh={noop}
      onPlay={noop}
      onSeek={noop}
      onClose={noop}
    />,
  );
}

const untranslated = /recording\.(controls|errors|library)\./;

describe('recording controls markup', () => {
  it('offers start when idle, with the counts on the status', () => {
    const html = controls({ uploaded: 4, pending: 2 });
    expect(html).toContain('data-testid="recording-start"');
    expect(html).not.toContain('data-testid="recording-stop"');
    expect(html).toMatch(/data-testid="recording-status"[^>]*data-uploaded="4"[^>]*data-pending="2"/);
    expect(html).not.toMatch(untranslated);
  });

  it('offers stop while recording', () => {
    const html = controls({ phase: 'recording', recordingId: 'RecordingIdRecordingId' });
    expect(html).toContain('data-testid="recording-stop"');
    expect(html).not.toContain('data-testid="recording-start"');
    expect(html).toContain('data-phase="recording"');
  });

  it('disables start while another browser records, and explains', () => {
    const html = controls({}, true);
    expect(html).toMatch(/data-testid="recording-start"[^>]*disabled/);
    expect(html).toContain('Un autre navigateur');
  });

  it('shows a failure and the way to send again', () => {
    const html = controls({ error: 'upload-incomplete' });
    expect(html).toContain('data-testid="recording-control-error"');
    expect(html).toContain('data-testid="recording-retry"');
    expect(html).not.toMatch(untranslated);
  });

  it('without the committee key, explains instead of offering to record', () => {
    const html = controls({}, false, false);
    expect(html).toContain('data-testid="recording-no-secret"');
    expect(html).not.toContain('data-testid="recording-start"');
  });
});

describe('recordings library markup', () => {
  it('lists recordings with « Lire »', () => {
    const html = library({ status: 'ready', recordings: [recording] });
    expect(html).toContain('data-testid="recording-row"');
    expect(html).toContain('>Lire<');
    expect(html).toContain('1:01:05');
    expect(html).not.toMatch(untranslated);
  });

  it('plays from a blob URL with the chapters track and a button per chapter', () => {
    const html = library(
      { status: 'ready', recordings: [recording] },
      {
        status: 'ready',
        recordingId: recording.recordingId,
        videoUrl: 'blob:video',
        chaptersUrl: 'blob:vtt',
        chapters: [
          { startMs: 0, endMs: 60_000, title: '1. Ouverture' },
          { startMs: 60_000, endMs: 120_000, title: '2. Budget' },
        ],
        missingFrom: null,
      },
    );
    expect(html).toMatch(/<video[^>]*data-testid="recording-player"[^>]*src="blob:video"/);
    expect(html).toMatch(/<track kind="chapters" src="blob:vtt"/);
    expect(html.match(/data-testid="recording-chapter"/g)).toHaveLength(2);
    expect(html).toContain('00:01:00 — 2. Budget');
  });

  it('shows which chunk failed to decrypt', () => {
    const html = library(
      { status: 'ready', recordings: [recording] },
      { status: 'failed', recordingId: recording.recordingId, piece: 3 },
    );
    expect(html).toMatch(/data-testid="recording-error"[^>]*>[^<]*segment 3/);
  });

  it('without the committee key, explains that a host hands it to admitted members and cannot play', () => {
    const html = library({ status: 'ready', recordings: [recording] }, null, 'waiting-key');
    expect(html).toContain('data-testid="recording-no-secret"');
    expect(html).toContain('clé de la commission, qu&#x27;un hôte présent remet à chaque membre admis');
    expect(html).toMatch(/data-testid="recording-play"[^>]*disabled/);
  });

  it('tells an observer that recordings are for the committee’s members', () => {
    const html = library({ status: 'ready', recordings: [recording] }, null, 'not-entitled');
    expect(html).toContain('data-status="not-entitled"');
    expect(html).toContain('réservés aux membres de la commission');
    expect(html).toMatch(/data-testid="recording-play"[^>]*disabled/);
  });

  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_665_000)).toBe('1:01:05');
  });
});
