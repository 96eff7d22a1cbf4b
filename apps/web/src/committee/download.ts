import { fileStamp, saveBlob } from '../ui/saveFile.ts';

/** Text in UTF-8. */
export function downloadText(fileName: string, mimeType: string, content: string): void {
  saveBlob(fileName, new Blob([content], { type: `${mimeType};charset=utf-8` }));
}

/** Bytes as they are (a PDF). */
export function downloadBytes(fileName: string, mimeType: string, bytes: Uint8Array): void {
  saveBlob(fileName, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mimeType }));
}

/** `proces-verbal-2026-03-14-0930.html`, in local time. */
export function proceedingsFileName(at: number, extension: 'html' | 'md' | 'pdf'): string {
  return `proces-verbal-${fileStamp(at)}.${extension}`;
}
