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

/** `2026-03-14-0930` for a file's name, in local time. */
export function fileStamp(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}
