import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { newLinkSecret } from '@confidentiel/e2ee';
import { getServiceConfig } from '../api/configApi.ts';
import { createMeeting } from '../api/meetingsApi.ts';
import { linkFragment } from '../e2ee/linkSecret.ts';
import { OrganiserEntry } from '../organiser/OrganiserEntry.tsx';
import { meetingPath } from '../router/routes.ts';
import { navigate } from '../router/useRoute.ts';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';

export function HomePage(): ReactNode {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** null while unknown: the button appears only where the service allows open meetings. */
  const [openMeetings, setOpenMeetings] = useState<boolean | null>(null);
  useDocumentTitle(null);
  useEffect(() => {
    let cancelled = false;
    getServiceConfig().then(
      (config) => !cancelled && setOpenMeetings(config.openMeetings),
      () => !cancelled && setOpenMeetings(false),
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const create = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const meeting = await createMeeting();
      // Built from the id rather than trusting a path from the answer. The link secret is made
      // here and lives only in the fragment: the server never sees it.
      navigate(`${meetingPath(meeting.meetingId)}${linkFragment(newLinkSecret())}`);
    } catch {
      setError(t('errors.createFailed'));
      setBusy(false);
    }
  };

  return (
    <section className="home" aria-labelledby="home-title">
      <h1 id="home-title">{t('home.title')}</h1>
      <p className="lead">{t('home.lead')}</p>
      {openMeetings === true ? (
        <button
          type="button"
          className="button button-primary button-large"
          data-testid="create-meeting"
          disabled={busy}
          onClick={() => void create()}
        >
          {busy ? t('home.creating') : t('home.create')}
        </button>
      ) : null}
      {openMeetings === false ? (
        <p className="notice" data-testid="organisers-only">
          {t('home.organisersOnly')}
        </p>
      ) : null}
      {error ? (
        <p className="notice notice-error" role="alert" data-testid="create-error">
          {error}
        </p>
      ) : null}
      <ul className="points">
        <li>{t('home.pointSovereign')}</li>
        <li>{t('home.pointNoAccount')}</li>
        <li>{t('home.pointAccessible')}</li>
      </ul>
      <OrganiserEntry />
    </section>
  );
}
