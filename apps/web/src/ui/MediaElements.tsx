import { useEffect, useRef, type ReactNode } from 'react';

/** A <video> showing one track. Always muted: audio plays through <audio> elements. */
export function TrackVideo(props: {
  track: MediaStreamTrack;
  testId: string;
  mirrored?: boolean;
  hidden?: boolean;
  className?: string;
}): ReactNode {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) {
      return undefined;
    }
    element.srcObject = new MediaStream([props.track]);
    element.play().catch(() => {
      // Autoplay of a muted video is always allowed; a failure here is a detached element.
    });
    return () => {
      element.srcObject = null;
    };
  }, [props.track]);
  const classes = ['media', props.mirrored ? 'mirrored' : '', props.className ?? '']
    .filter(Boolean)
    .join(' ');
  return (
    <video
      ref={ref}
      className={classes}
      data-testid={props.testId}
      autoPlay
      playsInline
      muted
      hidden={props.hidden}
      aria-hidden="true"
    />
  );
}

/** An <audio> playing one remote track on the chosen speakers. */
export function TrackAudio(props: {
  track: MediaStreamTrack;
  sinkId: string | null;
  testId: string;
}): ReactNode {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) {
      return undefined;
    }
    element.srcObject = new MediaStream([props.track]);
    element.play().catch(() => {
      // Blocked autoplay: joining was a click, so this only happens in odd embeddings.
    });
    return () => {
      element.srcObject = null;
    };
  }, [props.track]);
  useEffect(() => {
    const element = ref.current;
    if (element && props.sinkId !== null && canChooseSpeakers()) {
      element.setSinkId(props.sinkId).catch(() => {
        // The device went away: the default output keeps playing.
      });
    }
  }, [props.sinkId]);
  return <audio ref={ref} data-testid={props.testId} autoPlay />;
}

export function canChooseSpeakers(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}
