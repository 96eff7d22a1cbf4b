import type { ParseKeys } from 'i18next';

/**
 * The translation key of the message shown for a failure reason (HTTP API or
 * meeting). Pages show these words, never the server's `message` (English,
 * for developers): a person reads what happened and what to do, in their language.
 */
export function errorMessageKey(reason: string): ParseKeys {
  switch (reason) {
    case 'room-not-found':
    case 'forbidden':
    case 'unauthorized':
    case 'not-found':
      // An unknown meeting and a forbidden one must look the same.
      return 'errors.notFound';
    case 'token-expired':
      return 'errors.expired';
    case 'protocol-mismatch':
      return 'errors.protocolMismatch';
    case 'rate-limited':
      return 'errors.rateLimited';
    case 'busy':
      return 'errors.busy';
    case 'network':
    case 'connection-failed':
      return 'errors.network';
    case 'timeout':
      return 'errors.timeout';
    case 'unsupported-browser':
      return 'errors.unsupportedBrowser';
    case 'device-error':
      return 'errors.device';
    case 'e2ee-unavailable':
      return 'errors.e2eeUnavailable';
    case 'invite-invalid':
      return 'errors.inviteInvalid';
    case 'wrong-passcode':
      return 'errors.wrongPasscode';
    case 'passcode-required':
      return 'errors.passcodeRequired';
    case 'removed':
      return 'errors.removed';
    case 'invalid-name':
      return 'errors.invalidName';
    case 'invalid-passcode':
      return 'errors.malformedPasscode';
    case 'invalid-payload':
    case 'too-large':
      // A request this page made and the server refused: reloading gets a page that matches it.
      return 'errors.invalidRequest';
    case 'room-locked':
      return 'errors.roomLocked';
    case 'connection-lost':
      return 'errors.network';
    default:
      return 'errors.generic';
  }
}
