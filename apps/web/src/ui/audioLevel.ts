/** Quieter than this (dBFS) shows as an empty meter: room noise is not « the microphone works ». */
export const LEVEL_FLOOR_DB = -60;

/**
 * A microphone meter's reading, 0 to 1, from one window of samples (-1..1):
 * the RMS in decibels, from LEVEL_FLOOR_DB (0) to full scale (1), rounded to
 * 5 % steps so a meter does not re-render for changes no one can see.
 */
export function levelOf(samples: ArrayLike<number>): number {
  if (samples.length === 0) {
    return 0;
  }
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const value = samples[i] ?? 0;
    sum += value * value;
  }
  const rms = Math.sqrt(sum / samples.length);
  if (rms <= 0) {
    return 0;
  }
  const db = 20 * Math.log10(rms);
  const level = Math.min(1, Math.max(0, (db - LEVEL_FLOOR_DB) / -LEVEL_FLOOR_DB));
  return Math.round(level * 20) / 20;
}
