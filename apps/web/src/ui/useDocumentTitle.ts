import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** "<page> – Confidentiel": screen readers announce the title when a page changes. */
export function useDocumentTitle(page: string | null): void {
  const { t } = useTranslation();
  const app = t('app.name');
  useEffect(() => {
    document.title = page ? `${page} – ${app}` : app;
  }, [page, app]);
}
