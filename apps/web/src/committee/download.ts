/** Saves `content` as a file the browser downloads (made here, never sent anywhere). */
export function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers read the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Text in UTF-8. */
export function downloadText(fileName: string, mimeType: string, content: string): void {
  downloadBlob(fileName, new Blob([content], { type: `${mimeType};charset=utf-8` }));
}

/** Bytes as they are (a PDF). */
export function downloadBytes(fileName: string, mimeType: string, bytes: Uint8Array): void {
  downloadBlob(fileName, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mimeType }));
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `proces-verbal-2026-03-14-0930.html`, in local time. */
export function proceedingsFileName(at: number, extension: 'html' | 'md' | 'pdf'): string {
  const d = new Date(at);
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
  return `proces-verbal-${stamp}.${extension}`;
}
