import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from '../ui/Link.tsx';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';

/** Any path the app does not know (the server answers it with HTTP 404 and this page). */
export function NotFoundPage(): ReactNode {
  const { t } = useTranslation();
  useDocumentTitle(t('notFound.title'));
  return (
    <section className="message-page" data-testid="not-found-page">
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.body')}</p>
      <div className="actions">
        <Link to="/" className="button">
          {t('notFound.home')}
        </Link>
      </div>
    </section>
  );
}
