import { useEffect, useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionResponse } from '@confidentiel/protocol';
import { OrganiserApi } from '../api/organiserApi.ts';
import { signInPath } from '../router/routes.ts';
import { navigate } from '../router/useRoute.ts';
import { sessionStore } from './SessionStore.ts';
import { useSession } from './useSession.ts';
import './organiser.css';

/**
 * Organiser pages render only for a signed-in organiser; anyone else goes to
 * the sign-in page, which brings them back here afterwards.
 */
export function RequireSession(props: {
  children: (session: SessionResponse, api: OrganiserApi) => ReactNode;
}): ReactNode {
  const { t } = useTranslation();
  const state = useSession();
  const session = state.status === 'signed-in' ? state.session : null;
  const api = useMemo(() => (session ? new OrganiserApi(session.csrfToken) : null), [session]);

  useEffect(() => {
    if (state.status === 'signed-out') {
      navigate(signInPath(window.location.pathname), { replace: true });
    }
  }, [state.status]);

  switch (state.status) {
    case 'unknown':
    case 'checking':
    case 'signed-out':
      return (
        <p className="organiser-page organiser-status" role="status">
          {t('organiser.common.checkingSession')}
        </p>
      );
    case 'failed':
      return (
        <section className="organiser-page">
          <p className="notice notice-error" role="alert">
            {t('organiser.common.sessionFailed')}
          </p>
          <button type="button" className="button" onClick={() => void sessionStore.check()}>
            {t('organiser.common.retry')}
          </button>
        </section>
      );
    case 'signed-in':
      return session && api ? props.children(session, api) : null;
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}
