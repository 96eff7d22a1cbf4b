import { useEffect, useState, type RefObject } from 'react';

export interface ElementSize {
  width: number;
  height: number;
}

/**
 * The content-box size of an element, kept up to date with a ResizeObserver
 * (window resize, a sidebar opening, a phone turned). Zero until measured.
 */
export function useElementSize(ref: RefObject<HTMLElement | null>): ElementSize {
  const [size, setSize] = useState<ElementSize>({ width: 0, height: 0 });
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') {
      return undefined;
    }
    const observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box) {
        const next = { width: Math.floor(box.width), height: Math.floor(box.height) };
        // Same size again (sub-pixel jitter): no re-render.
        setSize((previous) =>
          previous.width === next.width && previous.height === next.height ? previous : next,
        );
      }
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}
