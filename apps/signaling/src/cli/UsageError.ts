/** Bad arguments or input for an admin command: the message is a sentence for the operator (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}
