import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from '../ui/Link.tsx';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';

export function LeftPage(props: { onRejoin: () => void }): ReactNode {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useDocumentTitle(t('left.title'));
  // The controls the focus was on are gone: put it somewhere meaningful.
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="message-page" data-testid="left-page">
      <h1 ref={heading} tabIndex={-1}>
        {t('left.title')}
      </h1>
      <p>{t('left.body')}</p>
      <div className="actions">
        <button
          type="button"
          className="button button-primary"
          data-testid="rejoin-button"
          onClick={props.onRejoin}
        >
          {t('left.rejoin')}
        </button>
        <Link to="/" className="button">
          {t('left.home')}
        </Link>
      </div>
    </section>
  );
}
