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
export { MAX_CHAT_TEXT_LENGTH } from './ChatCipher.ts';
export { EPOCH_STEP_BITS, SENDER_KEY_BYTES } from './KeyDerivation.ts';
export {
  CHAT_KEY_HISTORY,
  DEFAULT_ACK_TIMEOUT_MS,
  KEY_REQUEST_MIN_INTERVAL_MS,
  KeyManager,
  type KeyManagerEvents,
  type KeyManagerOptions,
  type KeyManagerStatus,
  type OpenChatResult,
  type RejectReason,
} from './KeyManager.ts';
export { COMMITTEE_SECRET_BYTES } from './Envelope.ts';
export {
  committeeSecretBytes,
  committeeSecretText,
  deriveCommitteeKey,
  isCommitteeSecret,
  newCommitteeSecret,
  openCommittee,
  openCommitteeText,
  sealCommittee,
  sealCommitteeText,
  type CommitteePurpose,
} from './CommitteeKey.ts';
export {
  KeyRelayBatcher,
  MAX_BATCH_CHARS,
  RELAY_RETRY_DELAYS_MS,
  RELAY_WINDOW_MS,
  type KeyRelayBatcherOptions,
  type RelayEnvelope,
} from './KeyRelayBatcher.ts';
export {
  LOBBY_MESSAGE_VERSION,
  openLobbyChannel,
  openLobbyMessage,
  sealLobbyMessage,
  type LobbyChannel,
  type LobbyChannelResult,
  type LobbyOpenFailure,
  type LobbyPeerRefusal,
  type OpenedLobbyMessage,
} from './LobbyMessage.ts';
