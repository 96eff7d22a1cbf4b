/**
 * What the shipped E2EE worker uses of @confidentiel/e2ee, and nothing else:
 * the frame modules, without the package index (whose distribution/ part
 * pulls @confidentiel/protocol and zod). The bench bundles the worker with
 * '@confidentiel/e2ee' aliased to this file to measure what that would save.
 */
export { decryptFrame, encryptFrame } from '../../../../../packages/e2ee/src/FrameTransform.ts';
export { E2eeError } from '../../../../../packages/e2ee/src/E2eeError.ts';
export { KeyId, TRACK_KINDS, type TrackKind } from '../../../../../packages/e2ee/src/KeyId.ts';
export { supportedCodec } from '../../../../../packages/e2ee/src/ClearPrefix.ts';
export { SenderContext } from '../../../../../packages/e2ee/src/SenderContext.ts';
export { ReceiverKeyRing } from '../../../../../packages/e2ee/src/ReceiverKeyRing.ts';
export { ReplayWindow } from '../../../../../packages/e2ee/src/ReplayWindow.ts';
export type { DecryptFailureReason } from '../../../../../packages/e2ee/src/FrameStats.ts';
