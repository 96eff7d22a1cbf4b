import { useEffect, useState } from 'react';
import { levelOf } from './audioLevel.ts';

/** How often the meter reads the microphone: smooth enough to see, cheap enough for a phone. */
export const AUDIO_LEVEL_INTERVAL_MS = 100;

/**
 * The live level (0..1) of an audio track, through a Web Audio analyser that
 * only reads (nothing is played back). 0 without a track or without Web Audio.
 */
export function useAudioLevel(track: MediaStreamTrack | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    setLevel(0);
    if (!track || typeof AudioContext === 'undefined') {
      return undefined;
    }
    const context = new AudioContext();
    const source = context.createMediaStreamSource(new MediaStream([track]));
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    // Created after the person's click on « Rejoindre »: the browser lets it run.
    context.resume().catch(() => undefined);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      setLevel(levelOf(samples));
    }, AUDIO_LEVEL_INTERVAL_MS);
    return () => {
      clearInterval(timer);
      source.disconnect();
      context.close().catch(() => undefined);
    };
  }, [track]);
  return level;
}
