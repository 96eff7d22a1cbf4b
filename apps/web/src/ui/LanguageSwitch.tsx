import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage } from '../i18n/index.ts';

export function LanguageSwitch(): ReactNode {
  const { t, i18n } = useTranslation();
  const next = currentLanguage() === 'fr' ? 'en' : 'fr';
  return (
    <button
      type="button"
      className="button button-ghost"
      data-testid="language-switch"
      lang={next}
      aria-label={t('language.switchLabel')}
      onClick={() => void i18n.changeLanguage(next)}
    >
      {t('language.switchTo')}
    </button>
  );
}
