import { describe, expect, it } from 'vitest';
import type { SectionResult } from '../src/core/figure.ts';
import { renderSvg } from '../src/core/plot.ts';
import { reportMarkdown, type BenchReport } from '../src/core/report.ts';
import { summarize } from '../src/core/stats.ts';

const section: SectionResult = {
  id: 'e2ee',
  title: 'E2EE cost in the browser',
  pinning: 'system under test on core 0',
  notes: ['the header is written byte by byte'],
  series: [
    {
      id: 'e2ee-per-frame',
      title: 'Per-frame encrypt time',
      xLabel: 'frame bytes',
      yLabel: 'µs',
      points: [
        { series: 'SFrame', x: 120, y: 9 },
        { series: 'raw AES-GCM', x: 120, y: 6 },
      ],
    },
  ],
  figures: [
    {
      id: 'e2ee.encrypt.opus',
      label: 'Encrypt, Opus frame',
      unit: 'µs',
      better: 'lower',
      ours: summarize([9, 10, 8]),
      reference: { name: 'raw AES-GCM', value: summarize([6, 6, 6]) },
      ratio: summarize([1.5, 1.66, 1.33]),
      target: { text: 'ratio ≤ 1.3', met: false },
    },
    {
      id: 'e2ee.none',
      label: 'Not measured',
      unit: 'ms',
      better: 'lower',
      ours: summarize([]),
    },
  ],
};

const report: BenchReport = {
  format: 1,
  machine: {
    date: '2026-12-03T12:00:00.000Z',
    cpu: 'Test CPU',
    cores: 2,
    memoryGiB: 24,
    kernel: '6.1',
    os: 'Debian 12',
    node: 'v24',
    versions: { mediasoup: '3.27.1', janus: '1.1.2' },
    commit: 'abc1234',
  },
  runs: 3,
  quick: false,
  pinning: 'system under test on core 0',
  sections: [section],
};

describe('the results table', () => {
  it('shows medians with their range, the ratio and whether the target is met', () => {
    const markdown = reportMarkdown(report, 'plots');
    expect(markdown).toContain('commit abc1234');
    expect(markdown).toContain('janus 1.1.2');
    expect(markdown).toContain('| Encrypt, Opus frame | **9** µs (8–10, 3 runs) | raw AES-GCM: **6** µs');
    expect(markdown).toContain('**1.50×** (1.33–1.66)');
    expect(markdown).toContain('**not met**: ratio ≤ 1.3');
    expect(markdown).toContain('| Not measured | n/a |');
    expect(markdown).toContain('![Per-frame encrypt time](plots/e2ee-per-frame.svg)');
    expect(markdown).toContain('- the header is written byte by byte');
  });

  it('says when a section failed', () => {
    const failed = reportMarkdown(
      { ...report, sections: [{ ...section, error: 'Janus did not start' }] },
      'plots',
    );
    expect(failed).toContain('**This section failed:** Janus did not start');
  });

  it('draws a plot with one line per series', async () => {
    const svg = await renderSvg(section.series[0] as SectionResult['series'][number]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Per-frame encrypt time');
    expect(svg).toContain('raw AES-GCM');
    expect(svg).toContain('SFrame');
  });
});
