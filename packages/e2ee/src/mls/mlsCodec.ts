import { decodeMlsMessage, encodeMlsMessage, type KeyPackage, type MLSMessage, type Welcome } from 'ts-mls';
import { fromBase64url, toBase64url } from '../distribution/base64url.ts';

/** MLS messages on the wire: TLS-encoded (RFC 9420 §6), then base64url. */

export function encodeKeyPackage(keyPackage: KeyPackage): string {
  return toBase64url(encodeMlsMessage({ keyPackage, wireformat: 'mls_key_package', version: 'mls10' }));
}

export function encodeWelcome(welcome: Welcome): string {
  return toBase64url(encodeMlsMessage({ welcome, wireformat: 'mls_welcome', version: 'mls10' }));
}

export function encodeMessage(message: MLSMessage): string {
  return toBase64url(encodeMlsMessage(message));
}

/** The decoded message, or undefined for anything that is not one whole MLS message. Never throws. */
export function decodeMessage(text: string): MLSMessage | undefined {
  const bytes = fromBase64url(text);
  if (bytes === undefined) {
    return undefined;
  }
  try {
    const decoded = decodeMlsMessage(bytes, 0);
    if (decoded === undefined || decoded[1] !== bytes.length) {
      return undefined;
    }
    return decoded[0];
  } catch {
    return undefined;
  }
}

export function decodeKeyPackage(text: string): KeyPackage | undefined {
  const message = decodeMessage(text);
  return message?.wireformat === 'mls_key_package' ? message.keyPackage : undefined;
}

export function decodeWelcome(text: string): Welcome | undefined {
  const message = decodeMessage(text);
  return message?.wireformat === 'mls_welcome' ? message.welcome : undefined;
}
