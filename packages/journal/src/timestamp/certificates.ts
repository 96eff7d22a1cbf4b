import * as pkijs from 'pkijs';
import { TimeStampError } from './TimeStampError.ts';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;
/** Most a bundle may hold: a TSA chain is two or three certificates. */
export const MAX_PEM_CERTIFICATES = 64;

/** Every certificate of a PEM text (one or a bundle). Throws `TimeStampError` ('malformed'). */
export function certificatesFromPem(pem: string): pkijs.Certificate[] {
  const certificates: pkijs.Certificate[] = [];
  for (const match of pem.matchAll(PEM_CERTIFICATE)) {
    if (certificates.length >= MAX_PEM_CERTIFICATES) {
      throw TimeStampError.malformed(`more than ${MAX_PEM_CERTIFICATES} certificates in one PEM`);
    }
    const der = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
    try {
      certificates.push(pkijs.Certificate.fromBER(toArrayBuffer(der)));
    } catch (error) {
      throw TimeStampError.malformed('a PEM certificate does not parse', error);
    }
  }
  if (certificates.length === 0) {
    throw TimeStampError.malformed('no certificate in PEM');
  }
  return certificates;
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '2.5.4.97': 'organizationIdentifier',
};

/** "CN=…, O=…, C=…" in the order of the certificate (most significant first as written). */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((attribute) => {
      const key = ATTRIBUTE_NAMES[attribute.type] ?? attribute.type;
      const raw = (attribute.value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
      return `${key}=${typeof raw === 'string' ? raw : '?'}`;
    })
    .join(', ');
}

/** A GeneralName as text: a directory name formatted, a URI or DNS name as is. */
export function formatGeneralName(name: pkijs.GeneralName): string {
  if (name.value instanceof pkijs.RelativeDistinguishedNames) {
    return formatName(name.value);
  }
  return typeof name.value === 'string' ? name.value : `GeneralName type ${name.type}`;
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}
