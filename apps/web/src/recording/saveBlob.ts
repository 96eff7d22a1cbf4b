import { fileStamp } from '../ui/saveFile.ts';

export { saveBlob } from '../ui/saveFile.ts';

/** `enregistrement-2026-03-14-0930.webm`, in local time. */
export function recordingFileName(stem: string, startedAt: number, extension: 'webm' | 'vtt'): string {
  return `${stem}-${fileStamp(startedAt)}.${extension}`;
}
