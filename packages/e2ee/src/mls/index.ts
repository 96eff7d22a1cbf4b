export { MLS_CIPHERSUITE, mlsSuite } from './mlsSuite.ts';
export {
  makeMlsCredential,
  mlsAuthenticationService,
  parseMlsCredential,
  verifyMlsCredential,
  type MlsMemberClaim,
} from './MlsCredential.ts';
export { decodeKeyPackage, decodeMessage, decodeWelcome, encodeKeyPackage } from './mlsCodec.ts';
export {
  MlsGroup,
  generateMlsKeyPackage,
  type MlsContext,
  type MlsKeyPackageBundle,
  type MlsLeaf,
  type PreparedCommit,
  type ProcessResult,
} from './MlsGroup.ts';
export {
  admissionCallback,
  checkCommit,
  type AdmissionRefusal,
  type AdmissionVerdict,
  type AdmissionView,
  type AdmittedMember,
} from './mlsAdmission.ts';
export { SFRAME_EXPORTER_LABEL, epochSafetyCode, sframeEpochSecret, sframeSenderKey } from './sframeKeys.ts';
export { committerRank, isEmptyPlan, planCommit, type CommitPlan, type PlanInput } from './commitPlan.ts';
export {
  MlsKeyManager,
  DEFAULT_SWITCH_DELAY_MS,
  type MlsKeyManagerEvents,
  type MlsKeyManagerOptions,
  type MlsTransport,
} from './MlsKeyManager.ts';
