/**
 * The benchmark sections, in the order the report shows them. Loaded lazily
 * (`--only media` does not load the browser sections' code), and checked on
 * load: a section whose module is broken fails alone, in the report.
 */
import type { Section } from '../core/context.ts';

export interface SectionEntry {
  id: string;
  title: string;
  /** The module, relative to this file, and the name of its Section export. */
  module: string;
  exportName: string;
}

export const SECTIONS: readonly SectionEntry[] = [
  { id: 'media', title: 'Media plane vs Janus', module: './media/index.ts', exportName: 'mediaSection' },
  { id: 'join', title: 'Join time in a real browser', module: './join/index.ts', exportName: 'joinSection' },
  { id: 'e2ee', title: 'E2EE cost in the browser', module: './e2ee/index.ts', exportName: 'e2eeSection' },
  {
    id: 'keys',
    title: 'Key distribution as the room grows',
    module: './keys/index.ts',
    exportName: 'keysSection',
  },
  {
    id: 'mls',
    title: 'Key distribution on MLS as the room grows',
    module: './mls/index.ts',
    exportName: 'mlsSection',
  },
  { id: 'signaling', title: 'Signaling', module: './signaling/index.ts', exportName: 'signalingSection' },
  {
    id: 'capacity',
    title: 'Capacity on this machine',
    module: './media/index.ts',
    exportName: 'capacitySection',
  },
];

function isSection(value: unknown): value is Section {
  const candidate = value as Partial<Section> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.id === 'string' &&
    typeof candidate.title === 'string' &&
    typeof candidate.run === 'function'
  );
}

export async function loadSection(entry: SectionEntry): Promise<Section> {
  const module = (await import(new URL(entry.module, import.meta.url).href)) as Record<string, unknown>;
  const section = module[entry.exportName];
  if (!isSection(section) || section.id !== entry.id) {
    throw new Error(`${entry.module} does not export a section "${entry.id}" as ${entry.exportName}`);
  }
  return section;
}
