import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { README_END, README_START, readmeBlock, updateReadme } from '../src/core/readme.ts';
import type { BenchReport } from '../src/core/report.ts';
import { summarize } from '../src/core/stats.ts';

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
    versions: { mediasoup: '3.27.1', janus: '1.1.2', chromium: '156' },
    commit: 'abc1234',
  },
  runs: 5,
  quick: false,
  pinning: 'SUT on core 0',
  sections: [
    {
      id: 'media',
      title: 'Media plane vs Janus',
      pinning: 'SUT on core 0',
      notes: [],
      series: [],
      figures: [
        {
          id: 'media.cpuPerPacket',
          label: 'CPU per packet',
          unit: 'µs',
          better: 'lower',
          ours: summarize([11, 12, 10]),
          reference: { name: 'Janus', value: summarize([18, 19, 17]) },
          ratio: summarize([0.6, 0.63, 0.59]),
          target: { text: 'ours/Janus ≤ 1', met: true },
        },
        { id: 'media.other', label: 'No peer, no target', unit: 'ms', better: 'lower', ours: summarize([1]) },
      ],
    },
    {
      id: 'join',
      title: 'Join',
      pinning: '',
      notes: [],
      series: [],
      figures: [],
      error: 'Chromium | crashed',
    },
  ],
};

describe("the README's benchmark block", () => {
  it('shows figures with a target or a peer, the failed sections, and the plot', () => {
    const block = readmeBlock(report, { title: 'CPU', path: 'bench/results/plots/a.svg' });
    expect(block).toContain(
      '| Media plane vs Janus | CPU per packet | 11 µs | 18 µs (Janus) | 0.60× | met: ours/Janus ≤ 1 |',
    );
    expect(block).not.toContain('No peer, no target');
    expect(block).toContain('| Join | failed: Chromium / crashed |');
    expect(block).toContain('![CPU](bench/results/plots/a.svg)');
    expect(block.startsWith(README_START) && block.endsWith(README_END)).toBe(true);
  });

  it('replaces only what lies between the markers, and leaves a README without them alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'readme-'));
    const path = join(dir, 'README.md');
    await writeFile(path, `# Title\n\n${README_START}\nold\n${README_END}\n\n## After\n`);
    expect(await updateReadme(path, `${README_START}\n\n| a | b |\n|-|-|\n| 1 | 2 |\n\n${README_END}`)).toBe(
      true,
    );
    const written = await readFile(path, 'utf8');
    // Formatted as Prettier would (the format check covers the README), the rest untouched.
    expect(written).toBe(
      `# Title\n\n${README_START}\n\n| a   | b   |\n| --- | --- |\n| 1   | 2   |\n\n${README_END}\n\n## After\n`,
    );
    expect(written).not.toContain('old');
    await writeFile(path, '# No markers\n');
    expect(await updateReadme(path, 'x')).toBe(false);
    expect(await readFile(path, 'utf8')).toBe('# No markers\n');
  });
});
