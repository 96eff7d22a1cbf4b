export {
  createLocalIdentity,
  isLinkSecret,
  newLinkSecret,
  verifyLinkMac,
  LINK_SECRET_BYTES,
  type CreateLocalIdentityOptions,
  type LocalIdentity,
} from './LocalIdentity.ts';
export { pairSafetyCode, roomSafetyCode } from './SafetyCode.ts';
export {
  DEFAULT_ACK_TIMEOUT_MS,
  KeyManager,
  type KeyManagerEvents,
  type KeyManagerOptions,
  type KeyManagerStatus,
  type OpenChatResult,
  type RejectReason,
} from './KeyManager.ts';
