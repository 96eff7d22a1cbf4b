import type { MouseEvent, ReactNode } from 'react';
import { navigate } from '../router/useRoute.ts';

/** An in-app link: a real <a href> (open in new tab works), navigated without reload. */
export function Link(props: { to: string; className?: string; children: ReactNode }): ReactNode {
  const onClick = (event: MouseEvent<HTMLAnchorElement>): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} className={props.className} onClick={onClick}>
      {props.children}
    </a>
  );
}
