import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { DashboardPage } from './organiser/DashboardPage.tsx';
import { EnrolmentPage } from './organiser/EnrolmentPage.tsx';
import { MeetingPage } from './organiser/MeetingPage.tsx';
import { SignInPage } from './organiser/SignInPage.tsx';
import { HomePage } from './pages/HomePage.tsx';
import { accessKey } from './pages/meetingAccess.ts';
import { MeetingRoute } from './pages/MeetingRoute.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { useRoute } from './router/useRoute.ts';
import type { Route } from './router/routes.ts';
import { LanguageSwitch } from './ui/LanguageSwitch.tsx';
import { Link } from './ui/Link.tsx';

function Page(props: { route: Route }): ReactNode {
  const { route } = props;
  switch (route.name) {
    case 'home':
      return <HomePage />;
    case 'meeting':
      // Keyed: another meeting or invite is another session.
      return <MeetingRoute key={accessKey(route.access)} access={route.access} />;
    case 'sign-in':
      return <SignInPage />;
    case 'enrolment':
      return <EnrolmentPage />;
    case 'dashboard':
      return <DashboardPage />;
    case 'organiser-meeting':
      // Keyed: another meeting starts from a clean page.
      return <MeetingPage key={route.meetingId} meetingId={route.meetingId} />;
    case 'not-found':
      return <NotFoundPage />;
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}

export function App(): ReactNode {
  const { t } = useTranslation();
  const route = useRoute();
  return (
    <div className={`app app-${route.name}`}>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          <svg
            className="brand-mark"
            viewBox="0 0 32 32"
            width="28"
            height="28"
            aria-hidden="true"
            focusable="false"
          >
            <rect width="32" height="32" rx="7" fill="currentColor" />
            <path
              d="M10 14v-3a6 6 0 0 1 12 0v3"
              fill="none"
              stroke="var(--brand-contrast)"
              strokeWidth="2.5"
            />
            <rect x="8" y="14" width="16" height="12" rx="2" fill="var(--brand-contrast)" />
          </svg>
          <span>{t('app.name')}</span>
        </Link>
        <p className="tagline">{t('app.tagline')}</p>
        <LanguageSwitch />
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </div>
  );
}
