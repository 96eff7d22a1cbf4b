import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';
import { formatGeneralName, formatName, toArrayBuffer } from './certificates.ts';
import { TimeStampError } from './TimeStampError.ts';

export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
export const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

/** What a time-stamp token says, read without checking its signature. */
export interface TimeStampTokenInfo {
  /** When the authority signed the token (its clock). */
  genTime: Date;
  /** The authority's `tsa` name from the token, else the subject of its signing certificate. */
  tsaName: string;
  /** Hex of the serial number the authority gave the token. */
  serial: string;
  policy: string;
  /** Hex of the SHA-256 message imprint. */
  imprint: string;
  /** Hex of the nonce, if the request had one. */
  nonce: string | undefined;
  /** The authority's stated accuracy of `genTime`, when it states one. */
  accuracyMs: number | undefined;
}

/** A token whose CMS signature and imprint verified. */
export interface VerifiedTimeStamp extends TimeStampTokenInfo {
  /** Subject of the certificate that signed the token. */
  signerName: string;
  /** `true` when the signer chains to one of the trusted TSA certificates given. */
  trusted: boolean;
}

interface ParsedToken {
  info: TimeStampTokenInfo;
  signedData: pkijs.SignedData;
}

/** Reads a DER TimeStampToken (a CMS ContentInfo holding SignedData over a TSTInfo). */
export function readTimeStampToken(der: Uint8Array): TimeStampTokenInfo {
  return parse(der).info;
}

/**
 * Verifies a token for `content`: the message imprint must be SHA-256 of `content`, the CMS
 * signature must verify with the certificate in the token, and that certificate must carry the
 * critical timeStamping extended key usage. With `trustAnchors`, the signer must also chain to one
 * of them (or be one of them) at the token's `genTime`; without, `trusted` is `false`.
 * Throws `TimeStampError`.
 */
export async function verifyTimeStampToken(
  der: Uint8Array,
  content: Uint8Array,
  trustAnchors: readonly pkijs.Certificate[] = [],
): Promise<VerifiedTimeStamp> {
  const { info, signedData } = parse(der);
  const expected = createHash('sha256').update(content).digest('hex');
  if (info.imprint !== expected) {
    throw new TimeStampError(
      'mismatch',
      `the token's message imprint ${info.imprint} is not SHA-256 of the anchored entry (${expected})`,
    );
  }
  if (signedData.signerInfos.length !== 1) {
    throw TimeStampError.malformed(`a time-stamp token has one signer, not ${signedData.signerInfos.length}`);
  }
  let result: pkijs.SignedDataVerifyResult;
  try {
    // The chain is checked below, so that a pinned TSA certificate can be a trust anchor too.
    result = await signedData.verify({ signer: 0, data: toArrayBuffer(content), extendedMode: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TimeStampError('bad-signature', `the token's signature does not verify: ${message}`, {
      cause: error,
    });
  }
  if (result.signatureVerified !== true || !result.signerCertificate) {
    throw new TimeStampError('bad-signature', "the token's signature does not verify");
  }
  const signer = result.signerCertificate;
  const usage = signer.extensions?.find((extension) => extension.extnID === OID_EXT_KEY_USAGE);
  const purposes = usage?.parsedValue instanceof pkijs.ExtKeyUsage ? usage.parsedValue.keyPurposes : [];
  if (!usage?.critical || purposes.length !== 1 || purposes[0] !== OID_KP_TIME_STAMPING) {
    throw new TimeStampError(
      'wrong-usage',
      'the signing certificate lacks the critical extended key usage timeStamping (RFC 3161 §2.3)',
    );
  }
  const trusted = trustAnchors.length > 0;
  if (trusted) {
    await assertTrusted(signer, signedData, trustAnchors, info.genTime);
  }
  return { ...info, signerName: formatName(signer.subject), trusted };
}

/**
 * The signer is trusted at `at` when it is one of the anchors (the authority's certificate pinned)
 * or chains to one of them through the certificates in the token. Validity periods are checked at
 * the token's time, so a token stays verifiable after its TSA certificate has expired.
 * No revocation check: the verifier works offline.
 */
async function assertTrusted(
  signer: pkijs.Certificate,
  signedData: pkijs.SignedData,
  anchors: readonly pkijs.Certificate[],
  at: Date,
): Promise<void> {
  const signerDer = Buffer.from(signer.toSchema().toBER());
  const pinned = anchors.some((anchor) => signerDer.equals(Buffer.from(anchor.toSchema().toBER())));
  if (pinned) {
    if (signer.notBefore.value > at || signer.notAfter.value < at) {
      throw new TimeStampError('untrusted', `the TSA certificate was not valid at ${at.toISOString()}`);
    }
    return;
  }
  const intermediates = (signedData.certificates ?? []).filter(
    (certificate): certificate is pkijs.Certificate => certificate instanceof pkijs.Certificate,
  );
  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: [...anchors],
    certs: [...intermediates, signer],
    checkDate: at,
  });
  let outcome: pkijs.CertificateChainValidationEngineVerifyResult;
  try {
    outcome = await engine.verify();
  } catch (error) {
    throw new TimeStampError('untrusted', 'the TSA certificate does not chain to a trusted certificate', {
      cause: error,
    });
  }
  if (!outcome.result) {
    throw new TimeStampError(
      'untrusted',
      `the TSA certificate does not chain to a trusted certificate: ${outcome.resultMessage}`,
    );
  }
}

function parse(der: Uint8Array): ParsedToken {
  let signedData: pkijs.SignedData;
  let tstInfo: pkijs.TSTInfo;
  try {
    const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(der));
    if (contentInfo.contentType !== OID_SIGNED_DATA) {
      throw new Error(`content type ${contentInfo.contentType} is not SignedData`);
    }
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
    const encapsulated = signedData.encapContentInfo;
    if (encapsulated.eContentType !== OID_TST_INFO || !encapsulated.eContent) {
      throw new Error('the SignedData does not hold a TSTInfo');
    }
    tstInfo = pkijs.TSTInfo.fromBER(encapsulated.eContent.getValue());
  } catch (error) {
    throw TimeStampError.malformed(
      `not an RFC 3161 time-stamp token: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  const imprint = tstInfo.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== OID_SHA256) {
    throw new TimeStampError(
      'mismatch',
      `message imprint by ${imprint.hashAlgorithm.algorithmId}, not SHA-256`,
    );
  }
  const signerName = signerSubject(signedData);
  const accuracy = tstInfo.accuracy;
  return {
    signedData,
    info: {
      genTime: tstInfo.genTime,
      tsaName: tstInfo.tsa ? formatGeneralName(tstInfo.tsa) : (signerName ?? 'unknown'),
      serial: Buffer.from(tstInfo.serialNumber.valueBlock.valueHexView).toString('hex'),
      policy: tstInfo.policy,
      imprint: Buffer.from(imprint.hashedMessage.valueBlock.valueHexView).toString('hex'),
      nonce: tstInfo.nonce ? Buffer.from(tstInfo.nonce.valueBlock.valueHexView).toString('hex') : undefined,
      accuracyMs: accuracy
        ? (accuracy.seconds ?? 0) * 1000 + (accuracy.millis ?? 0) + (accuracy.micros ?? 0) / 1000
        : undefined,
    },
  };
}

function signerSubject(signedData: pkijs.SignedData): string | undefined {
  const sid: unknown = signedData.signerInfos[0]?.sid;
  if (!(sid instanceof pkijs.IssuerAndSerialNumber)) {
    return undefined;
  }
  for (const certificate of signedData.certificates ?? []) {
    if (
      certificate instanceof pkijs.Certificate &&
      certificate.issuer.isEqual(sid.issuer) &&
      certificate.serialNumber.isEqual(sid.serialNumber)
    ) {
      return formatName(certificate.subject);
    }
  }
  return undefined;
}
