import type { ReactNode } from 'react';

/**
 * The stage's own line icons (layouts, the « Plus » menu, ending the meeting),
 * drawn like ui/Icon.tsx's. Decorative: the button text names the action.
 */
const paths = {
  grid: 'M4 4h7v7H4z M13 4h7v7h-7z M4 13h7v7H4z M13 13h7v7h-7z',
  speaker: 'M3 4h18v11H3z M3 18h5v2H3z M10 18h4v2h-4z M16 18h5v2h-5z',
  more: 'M5 12h.01 M12 12h.01 M19 12h.01',
  end: 'M3 14c5-5 13-5 18 0l-3 3-3-2v-3a12 12 0 0 0-6 0v3l-3 2z',
} as const;

export type StageIconName = keyof typeof paths;

export function StageIcon(props: { name: StageIconName }): ReactNode {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      width="20"
      height="20"
      fill="none"
      stroke="currentColor"
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
