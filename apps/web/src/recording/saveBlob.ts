/** Saves `blob` as a file the browser downloads (made here, never sent anywhere). */
export function saveBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers read the blob after click() returns; a recording is large, so not for long.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `enregistrement-2026-03-14-0930.webm`, in local time. */
export function recordingFileName(stem: string, startedAt: number, extension: 'webm' | 'vtt'): string {
  const d = new Date(startedAt);
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
  return `${stem}-${stamp}.${extension}`;
}
