/**
 * What the admin CLI says about a refused account field: a sentence naming the option and
 * what to give instead, not the schema's wording (`email: Invalid email address`).
 */
import type { z } from 'zod';

/** The sentence for the first problem of an account's fields (create-account, invite-account). */
export function accountInputSentence(error: z.ZodError): string {
  const issue = error.issues[0];
  switch (issue?.path[0]) {
    case 'email':
      return "the email address (--email) is not valid: give the organiser's address, e.g. --email avocate@example.fr";
    case 'displayName':
      // The shared schema's wording for a name is already a sentence (and names a refused character).
      return `the name (--name) ${issue.message}, e.g. --name "Me Durand"`;
    case 'password':
      return issue.code === 'too_big'
        ? 'the password is too long: at most 256 characters'
        : 'the password is too short: use at least 12 characters (a few unrelated words work well)';
    case 'role':
      return '--role must be one of: admin, organiser';
    default:
      return "the account's details were refused; check --email, --name and --role";
  }
}
