/** How loud and long the lobby chime is (a soft two-note sound made on the spot, no file). */
const CHIME_GAIN = 0.08;
const NOTE_S = 0.15;

let context: AudioContext | null = null;

/** Plays a short chime for a lobby arrival; silent where audio is unavailable or blocked. */
export function playArrivalChime(): void {
  try {
    context ??= new AudioContext();
    const now = context.currentTime;
    for (const [i, frequency] of [660, 880].entries()) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(CHIME_GAIN, now + i * NOTE_S);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + (i + 1) * NOTE_S);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(now + i * NOTE_S);
      oscillator.stop(now + (i + 1) * NOTE_S);
    }
  } catch {
    // No audio output (or autoplay blocked): the visual notice remains.
  }
}
