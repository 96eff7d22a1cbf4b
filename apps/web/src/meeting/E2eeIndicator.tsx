import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { E2eeSnapshot } from '../e2ee/E2eeSession.ts';
import { withLocalMedia, type E2eeStatus } from '../e2ee/e2eeStatus.ts';
import { Icon } from '../ui/Icon.tsx';

function stateLabel(t: TFunction, status: E2eeStatus): string {
  switch (status.state) {
    case 'on':
      return t('e2ee.state.on');
    case 'receiving':
      return t('e2ee.state.receiving');
    case 'syncing':
      return t('e2ee.state.syncing');
    case 'waiting':
      return t('e2ee.state.waiting');
    case 'problem':
      return t('e2ee.state.problem');
    default: {
      const unreachable: never = status.state;
      return unreachable;
    }
  }
}

function reasonText(t: TFunction, status: E2eeStatus): string {
  const count = status.count ?? 0;
  switch (status.reason) {
    case 'in-sync':
      return t('e2ee.reason.inSync');
    case 'rotating':
      return t('e2ee.reason.rotating');
    case 'starting':
      return t('e2ee.reason.starting');
    case 'receive-only':
      return t('e2ee.reason.receiveOnly');
    case 'no-sender-key':
      return t('e2ee.reason.noSenderKey');
    case 'missing-keys':
      return t('e2ee.reason.missingKeys', { count });
    case 'failure':
      return t('e2ee.reason.failure');
    case 'rejected':
      return t('e2ee.reason.rejected', { count });
    case 'auth-failures':
      return t('e2ee.reason.authFailures');
    default: {
      const unreachable: never = status.reason;
      return unreachable;
    }
  }
}

/**
 * The end-to-end encryption indicator. Its state comes from the worker's own
 * counters (deriveE2eeStatus): it says "encrypted" only when a send transform
 * runs with a key. The state line is a polite live region; counters are not.
 */
export function E2eeIndicator(props: {
  snapshot: E2eeSnapshot;
  /** Microphone, camera or screen on (false: the person only receives). */
  sending?: boolean;
}): ReactNode {
  const { t } = useTranslation();
  const heading = useId();
  const { counters } = props.snapshot;
  const status = withLocalMedia(props.snapshot.status, props.sending ?? true);
  const formatter = new Intl.NumberFormat(undefined);
  return (
    <section
      className={`e2ee e2ee-${status.state}`}
      aria-labelledby={heading}
      data-testid="e2ee-status"
      data-state={status.state}
      data-reason={status.reason}
    >
      <h2 id={heading} className="visually-hidden">
        {t('e2ee.title')}
      </h2>
      <p className="e2ee-state" role="status">
        <Icon
          name={
            status.state === 'on' || status.state === 'receiving' || status.state === 'syncing'
              ? 'lock'
              : 'lockWarning'
          }
        />
        <span>{stateLabel(t, status)}</span>
      </p>
      <p className="e2ee-reason">{reasonText(t, status)}</p>
      {props.snapshot.linkSecret ? null : (
        <p className="notice notice-warning e2ee-link" data-testid="e2ee-link-warning">
          {t('e2ee.linkNoSecret')}
        </p>
      )}
      <details className="e2ee-details">
        <summary>{t('e2ee.details')}</summary>
        <dl className="e2ee-counters">
          <div>
            <dt>{t('e2ee.encrypted')}</dt>
            <dd data-testid="e2ee-encrypted">{formatter.format(counters.encrypted)}</dd>
          </div>
          <div>
            <dt>{t('e2ee.decrypted')}</dt>
            <dd data-testid="e2ee-decrypted">{formatter.format(counters.decrypted)}</dd>
          </div>
          <div>
            <dt>{t('e2ee.dropped')}</dt>
            <dd data-testid="e2ee-dropped">{formatter.format(counters.dropped)}</dd>
          </div>
        </dl>
        {props.snapshot.linkSecret ? <p className="hint">{t('e2ee.linkVerified')}</p> : null}
      </details>
    </section>
  );
}
