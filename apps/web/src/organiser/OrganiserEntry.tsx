import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SIGN_IN_PATH } from '../router/routes.ts';
import { NavLink } from './NavLink.tsx';
import './organiser.css';

/** The home page's way into the organiser area. */
export function OrganiserEntry(): ReactNode {
  const { t } = useTranslation();
  const heading = useId();
  return (
    <section className="organiser-entry" aria-labelledby={heading} data-testid="organiser-entry">
      <h2 id={heading}>{t('organiser.entry.title')}</h2>
      <p>{t('organiser.entry.body')}</p>
      <NavLink to={SIGN_IN_PATH} className="button" data-testid="organiser-sign-in-link">
        {t('organiser.entry.signIn')}
      </NavLink>
    </section>
  );
}
