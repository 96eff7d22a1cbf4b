import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { isWellFormedPasscode, LIMITS, normalisePasscode, PASSCODE_INPUT_MAX } from '@confidentiel/protocol';
import type { LinkFragment } from '../e2ee/linkSecret.ts';
import type { JoinField } from '../meeting/joinFailureMessage.ts';
import { meetingLink } from '../router/routes.ts';
import { CopyLink } from '../ui/CopyLink.tsx';
import { canChooseSpeakers, TrackVideo } from '../ui/MediaElements.tsx';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';
import { DeviceSelect } from './DeviceSelect.tsx';
import { previewProblemKey, usePreview, type TakenTracks } from './useMediaPreview.ts';

/** What the person chose before joining. */
export interface JoinChoices {
  displayName: string;
  cameraId: string | null;
  microphoneId: string | null;
  speakerId: string | null;
  startMuted: boolean;
  startCameraOff: boolean;
  /** The preview could not get any device: do not ask again on join. */
  mediaDenied: boolean;
  /** The invite's passcode, when it needs one (never stored). */
  passcode?: string;
}

const NAME_STORAGE_KEY = 'confidentiel.displayName';

function storedName(): string {
  try {
    return window.localStorage.getItem(NAME_STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

function rememberName(name: string): void {
  try {
    window.localStorage.setItem(NAME_STORAGE_KEY, name);
  } catch {
    // Private browsing: nothing to remember.
  }
}

export function JoinPage(props: {
  /** The open meeting whose link may be shown to copy; null for invite and host access. */
  meetingId: string | null;
  /** The invite needs a passcode given another way. */
  needsPasscode?: boolean;
  /** What the invite said about the meeting (title), or that the person joins as host. */
  context?: ReactNode;
  /** Prefilled name (a personal invite's label). */
  suggestedName?: string | null;
  /** What the link's fragment held: the invite link shown carries the same secret. */
  link: LinkFragment;
  busy: boolean;
  error: ParseKeys | null;
  /** The field the error is about: shown there, the field marked invalid. */
  errorField?: JoinField | null;
  initial: JoinChoices | null;
  /** `takeTracks` hands the preview's tracks over; call it only once joining goes ahead. */
  onJoin: (choices: JoinChoices, takeTracks: () => TakenTracks) => void;
}): ReactNode {
  const { t } = useTranslation();
  const ids = {
    name: useId(),
    nameHint: useId(),
    nameError: useId(),
    heading: useId(),
    passcode: useId(),
    passcodeHint: useId(),
    passcodeError: useId(),
  };
  const [passcode, setPasscode] = useState('');
  const nameInput = useRef<HTMLInputElement>(null);
  const passcodeInput = useRef<HTMLInputElement>(null);
  /** What this page found wrong with the passcode before sending it (the server's words come as `error`). */
  const [passcodeProblem, setPasscodeProblem] = useState<ParseKeys | null>(null);
  const [displayName, setDisplayName] = useState(
    props.initial?.displayName ?? (props.suggestedName || storedName()),
  );
  const [nameMissing, setNameMissing] = useState(false);
  const [cameraId, setCameraId] = useState<string | null>(props.initial?.cameraId ?? null);
  const [microphoneId, setMicrophoneId] = useState<string | null>(props.initial?.microphoneId ?? null);
  const [speakerId, setSpeakerId] = useState<string | null>(props.initial?.speakerId ?? null);
  const [startMuted, setStartMuted] = useState(props.initial?.startMuted ?? false);
  const [startCameraOff, setStartCameraOff] = useState(props.initial?.startCameraOff ?? false);
  useDocumentTitle(t('join.title'));
  const preview = usePreview({ cameraId, microphoneId, cameraEnabled: !startCameraOff });

  const videoTrack = preview.stream?.getVideoTracks()[0] ?? null;
  const devicesOf = (kind: MediaDeviceKind): MediaDeviceInfo[] =>
    // Chromium also lists "default" and "communications" aliases: our empty value already means default.
    preview.devices.filter(
      (d) =>
        d.kind === kind && d.deviceId !== '' && d.deviceId !== 'default' && d.deviceId !== 'communications',
    );

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const name = displayName.trim();
    if (name === '') {
      setNameMissing(true);
      nameInput.current?.focus();
      return;
    }
    // The passcode as it was dictated ("12 34 56 78"): the same rule as the server's.
    if (props.needsPasscode) {
      const problem =
        passcode.trim() === ''
          ? 'errors.passcodeRequired'
          : isWellFormedPasscode(passcode)
            ? null
            : 'errors.malformedPasscode';
      setPasscodeProblem(problem);
      if (problem !== null) {
        passcodeInput.current?.focus();
        return;
      }
    }
    rememberName(name);
    props.onJoin(
      {
        displayName: name,
        cameraId,
        microphoneId,
        speakerId,
        startMuted,
        startCameraOff,
        mediaDenied: preview.error === 'denied',
        ...(props.needsPasscode ? { passcode: normalisePasscode(passcode) } : {}),
      },
      preview.takeTracks,
    );
  };

  // A failure about one field is shown under it (an own check first, then the server's answer).
  // A passcode refusal on a form without the field (the invite changed meanwhile) goes on top.
  const errorField =
    props.errorField === 'passcode' && !props.needsPasscode ? null : (props.errorField ?? null);
  const fieldError = (field: JoinField): ParseKeys | null => {
    if (field === 'passcode' && passcodeProblem !== null) {
      return passcodeProblem;
    }
    return props.error && errorField === field ? props.error : null;
  };
  const nameError = fieldError('displayName');
  const passcodeError = fieldError('passcode');

  const problemKey = previewProblemKey(preview.error);
  const mediaMessage = problemKey ? t(problemKey) : null;

  return (
    <section className="join-page" aria-labelledby={ids.heading}>
      <h1 id={ids.heading}>{t('join.title')}</h1>
      {props.context ? <div className="join-context">{props.context}</div> : null}
      <div className="join-layout">
        <div className="join-preview">
          <div className="preview-frame" role="img" aria-label={t('join.preview')}>
            {videoTrack ? (
              <TrackVideo track={videoTrack} testId="local-video" mirrored />
            ) : (
              <p className="preview-placeholder">
                {startCameraOff
                  ? t('join.previewOff')
                  : preview.status === 'loading'
                    ? t('join.previewLoading')
                    : ''}
              </p>
            )}
          </div>
          {mediaMessage ? (
            <p className="notice notice-warning" data-testid="media-error">
              {mediaMessage}
            </p>
          ) : null}
          {props.link.status !== 'secret' ? (
            <p className="notice notice-warning" data-testid="link-secret-warning">
              {props.link.status === 'invalid' ? t('join.linkInvalidSecret') : t('join.linkNoSecret')}
            </p>
          ) : null}
          {props.meetingId !== null ? (
            <CopyLink
              link={meetingLink(
                window.location.origin,
                props.meetingId,
                props.link.status === 'secret' ? props.link.secret : null,
              )}
              label={t('join.inviteLabel')}
              hint={props.link.status === 'secret' ? t('join.inviteSecretHint') : t('join.inviteHint')}
            />
          ) : null}
        </div>

        <form className="join-form" onSubmit={submit} noValidate>
          {props.error && errorField === null ? (
            <p className="notice notice-error" role="alert" data-testid="join-error">
              {t(props.error)}
            </p>
          ) : null}
          <div className="field">
            <label htmlFor={ids.name}>{t('join.displayName')}</label>
            <input
              ref={nameInput}
              id={ids.name}
              type="text"
              name="displayName"
              autoComplete="name"
              required
              maxLength={LIMITS.displayNameLength}
              value={displayName}
              data-testid="display-name-input"
              aria-invalid={nameMissing || nameError !== null ? true : undefined}
              aria-describedby={
                nameMissing || nameError !== null ? `${ids.nameError} ${ids.nameHint}` : ids.nameHint
              }
              onChange={(event) => {
                setDisplayName(event.target.value);
                if (event.target.value.trim() !== '') {
                  setNameMissing(false);
                }
              }}
            />
            <p className="hint" id={ids.nameHint}>
              {t('join.displayNameHint')}
            </p>
            {nameMissing ? (
              <p className="field-error" id={ids.nameError}>
                {t('join.displayNameRequired')}
              </p>
            ) : nameError !== null ? (
              <p className="field-error" id={ids.nameError} role="alert" data-testid="join-error">
                {t(nameError)}
              </p>
            ) : null}
          </div>

          {props.needsPasscode ? (
            <div className="field">
              <label htmlFor={ids.passcode}>{t('join.passcode')}</label>
              <input
                ref={passcodeInput}
                id={ids.passcode}
                type="text"
                inputMode="numeric"
                autoComplete="one-time-code"
                name="passcode"
                // Room for the separators people type ("12 34 56 78", "12-34-56-78").
                maxLength={PASSCODE_INPUT_MAX}
                value={passcode}
                data-testid="passcode-input"
                aria-invalid={passcodeError !== null ? true : undefined}
                aria-describedby={
                  passcodeError !== null ? `${ids.passcodeError} ${ids.passcodeHint}` : ids.passcodeHint
                }
                onChange={(event) => {
                  setPasscode(event.target.value);
                  setPasscodeProblem(null);
                }}
              />
              <p className="hint" id={ids.passcodeHint}>
                {t('join.passcodeHint')}
              </p>
              {passcodeError !== null ? (
                <p className="field-error" id={ids.passcodeError} role="alert" data-testid="join-error">
                  {t(passcodeError)}
                </p>
              ) : null}
            </div>
          ) : null}

          <fieldset className="devices">
            <legend>{t('join.devices')}</legend>
            <DeviceSelect
              label={t('join.camera')}
              testId="camera-select"
              devices={devicesOf('videoinput')}
              value={cameraId}
              onChange={setCameraId}
            />
            <DeviceSelect
              label={t('join.microphone')}
              testId="microphone-select"
              devices={devicesOf('audioinput')}
              value={microphoneId}
              onChange={setMicrophoneId}
            />
            {canChooseSpeakers() ? (
              <DeviceSelect
                label={t('join.speakers')}
                testId="speaker-select"
                devices={devicesOf('audiooutput')}
                value={speakerId}
                onChange={setSpeakerId}
              />
            ) : null}
            <label className="check">
              <input
                type="checkbox"
                checked={startMuted}
                data-testid="start-muted"
                onChange={(event) => setStartMuted(event.target.checked)}
              />
              {t('join.startMuted')}
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={startCameraOff}
                data-testid="start-camera-off"
                onChange={(event) => setStartCameraOff(event.target.checked)}
              />
              {t('join.startCameraOff')}
            </label>
          </fieldset>

          <button
            type="submit"
            className="button button-primary button-large"
            data-testid="join-button"
            disabled={props.busy}
          >
            {props.busy ? t('join.joining') : t('join.submit')}
          </button>
        </form>
      </div>
    </section>
  );
}
