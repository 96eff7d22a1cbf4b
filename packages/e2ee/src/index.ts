export * from './Aead.ts';
export * from './CipherSuite.ts';
export * from './E2eeError.ts';
export * from './Header.ts';
export * from './KeySchedule.ts';
export { sframeDecrypt, sframeEncrypt, type OpenFailure, type SFrameDecryptResult } from './SFrame.ts';
