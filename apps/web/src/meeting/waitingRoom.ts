/** The camera and microphone a guest picked while waiting (null: the browser's default). */
export interface WaitingRoomDevices {
  readonly cameraId: string | null;
  readonly microphoneId: string | null;
}

/**
 * What the waiting room needs of the page's meeting flow (MeetingSessionFlow
 * is one): the meeting's title, the devices chosen on the join page, and where
 * to say which devices the guest tested while waiting. The waiting room runs its
 * own preview; once the guest is let in, the preview lets go of the devices and
 * the meeting opens the ones chosen.
 */
export interface WaitingRoomHost {
  /** The meeting's title, when the invitation told it (an open meeting's link does not). */
  readonly meetingTitle: string | null;
  readonly joinDevices: WaitingRoomDevices & { readonly cameraEnabled: boolean };
  /** Called when the waiting room starts its preview, and on every change of device. */
  chooseWaitingRoomDevices(devices: WaitingRoomDevices): void;
}
