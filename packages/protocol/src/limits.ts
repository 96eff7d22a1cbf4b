/** Size caps shared by every process. */
export const LIMITS = {
  /** Max bytes of one Socket.IO message (Socket.IO's own default is 1 MB). */
  maxMessageBytes: 64 * 1024,
  displayNameLength: 64,
  maxCodecs: 64,
  maxHeaderExtensions: 32,
  maxEncodings: 4,
  maxFingerprints: 8,
  maxParameters: 32,
  maxRtcpFeedback: 16,
} as const;
