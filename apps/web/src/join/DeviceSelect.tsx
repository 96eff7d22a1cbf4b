import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A device list; the empty value means "the browser's default". */
export function DeviceSelect(props: {
  label: string;
  testId: string;
  devices: MediaDeviceInfo[];
  value: string | null;
  onChange: (deviceId: string | null) => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        data-testid={props.testId}
        value={props.value ?? ''}
        onChange={(event) => props.onChange(event.target.value === '' ? null : event.target.value)}
      >
        <option value="">{t('join.defaultDevice')}</option>
        {props.devices.map((device, index) => (
          <option key={device.deviceId} value={device.deviceId}>
            {device.label || `${props.label} ${index + 1}`}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The devices of one kind worth listing: Chromium also lists « default » and
 * « communications » aliases, which DeviceSelect's empty value already means.
 */
export function usableDevices(devices: readonly MediaDeviceInfo[], kind: MediaDeviceKind): MediaDeviceInfo[] {
  return devices.filter(
    (d) =>
      d.kind === kind && d.deviceId !== '' && d.deviceId !== 'default' && d.deviceId !== 'communications',
  );
}
