import type { ReactNode } from 'react';

/** Inline line icons (no icon font, nothing fetched). Decorative: the button text names the action. */
const paths = {
  mic: 'M9 6a3 3 0 0 1 6 0v5a3 3 0 0 1-6 0z M5 11a7 7 0 0 0 14 0 M12 18v3',
  micOff: 'M9 6a3 3 0 0 1 6 0v5a3 3 0 0 1-6 0z M5 11a7 7 0 0 0 14 0 M12 18v3 M4 4l16 16',
  camera: 'M3 9a2 2 0 0 1 2-2h8a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z M15 11l6-3v8l-6-3',
  cameraOff:
    'M3 9a2 2 0 0 1 2-2h8a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z M15 11l6-3v8l-6-3 M3 4l17 17',
  screen: 'M3 6a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z M8 20h8 M12 16v4',
  leave: 'M10 17l-5-5 5-5 M5 12h11 M14 4h5v16h-5',
  lock: 'M6 11h12v9H6z M8 11V8a4 4 0 0 1 8 0v3',
  lockWarning: 'M6 11h12v9H6z M8 11V8a4 4 0 0 1 8 0v3 M12 14v2 M12 18v.01',
  chat: 'M4 5h16v11H9l-5 4z',
  grid: 'M4 4h7v7H4z M13 4h7v7h-7z M4 13h7v7H4z M13 13h7v7h-7z',
  speaker: 'M3 4h18v11H3z M3 18h5v2H3z M10 18h4v2h-4z M16 18h5v2h-5z',
  more: 'M5 12h.01 M12 12h.01 M19 12h.01',
  end: 'M3 14c5-5 13-5 18 0l-3 3-3-2v-3a12 12 0 0 0-6 0v3l-3 2z',
} as const;

export type IconName = keyof typeof paths;

export function Icon(props: { name: IconName }): ReactNode {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      width="20"
      height="20"
      fill="none"
      stroke="currentColor"
      // The « Plus » menu's three dots are round caps of zero-length lines: drawn thicker.
      strokeWidth={props.name === 'more' ? 3.5 : 2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={paths[props.name]} />
    </svg>
  );
}
