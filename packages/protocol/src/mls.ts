import { z } from 'zod';
import { memberIdSchema } from './ids.ts';

/**
 * MLS (RFC 9420) over the room socket: signaling is the Delivery Service. It stores each admitted
 * member's key package, orders handshake messages (exactly one commit accepted per epoch), fans
 * commits out to the room and hands each Welcome to its recipient only. Every MLS message is
 * opaque to it (TLS-encoded, base64url): it never holds a private key and cannot add anyone,
 * since an Add is a commit signed by a member's browser and checked by every other browser.
 */

const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

/** Largest key package (an MLS KeyPackage with our credential), in base64url characters. */
export const MAX_MLS_KEY_PACKAGE_CHARS = 8 * 1024;
/** Largest commit (grows with the room: ~80 bytes per member in a sparse tree), in characters. */
export const MAX_MLS_COMMIT_CHARS = 700 * 1024;
/**
 * Largest Welcome (it carries the ratchet tree with every member's credential: ~640 bytes per
 * member, ~850,000 characters at 1,000 members), in characters.
 */
export const MAX_MLS_WELCOME_CHARS = 1200 * 1024;
/** Members added by one commit (a burst of admissions). */
export const MAX_MLS_ADDED_PER_COMMIT = 256;
/**
 * Bytes of one Socket.IO message carrying an MLS commit or Welcome. Every other message stays
 * under LIMITS.maxMessageBytes (checked by signaling per event).
 */
export const MAX_MLS_MESSAGE_BYTES = 1536 * 1024;

export const mlsKeyPackageSchema = base64url(64, MAX_MLS_KEY_PACKAGE_CHARS);
export const mlsCommitSchema = base64url(16, MAX_MLS_COMMIT_CHARS);
export const mlsWelcomeSchema = base64url(16, MAX_MLS_WELCOME_CHARS);
/** MLS epochs as signaling counts them (the group's epoch after the last accepted commit). */
export const mlsEpochSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const mlsMemberKeyPackageSchema = z.strictObject({
  memberId: memberIdSchema,
  keyPackage: mlsKeyPackageSchema,
});
export type MlsMemberKeyPackage = z.infer<typeof mlsMemberKeyPackageSchema>;

/** Room requests of the MLS Delivery Service (admitted members only; never the lobby). */
export const mlsRequests = {
  /**
   * Publishes this member's key package (replacing any earlier one of theirs). When the room has
   * no group yet, the caller makes it: `create` is true, signaling now counts the group at epoch
   * 0 with the caller in it, and `keyPackages` are the other members' waiting to be added. Else
   * the package goes to the room's members (`mlsKeyPackage`), one of whom commits the Add; a
   * member already in the group publishing again asks to be re-added (it lost its state).
   */
  mlsJoin: {
    request: z.strictObject({ keyPackage: mlsKeyPackageSchema }),
    response: z.strictObject({
      create: z.boolean(),
      /** The group's epoch as signaling counts it; null before any group. */
      epoch: mlsEpochSchema.nullable(),
      keyPackages: z.array(mlsMemberKeyPackageSchema).max(1000),
    }),
  },
  /**
   * A commit for `epoch` (the epoch it was made in). Accepted only if `epoch` is the group's
   * current epoch: then the group moves to epoch + 1, the commit goes to every other member of
   * the room (`mlsCommit`) and the Welcome to each member of `added` only (`mlsWelcome`). A stale
   * commit changes nothing: `accepted` is false and `epoch` says which epoch to retry on (after
   * processing the commits that came first).
   */
  mlsCommit: {
    request: z.strictObject({
      epoch: mlsEpochSchema,
      commit: mlsCommitSchema,
      welcome: mlsWelcomeSchema.optional(),
      /** Who the Welcome is for (members of this room, admitted): required with `welcome`. */
      added: z.array(memberIdSchema).max(MAX_MLS_ADDED_PER_COMMIT).default([]),
    }),
    response: z.strictObject({ accepted: z.boolean(), epoch: mlsEpochSchema }),
  },
} as const;

/** Room events of the MLS Delivery Service. */
export const mlsEvents = {
  /** An admitted member's key package, to add it to the group (or re-add it). */
  mlsKeyPackage: mlsMemberKeyPackageSchema,
  /** An accepted commit, made by `from` in `epoch` (the group is now at epoch + 1). */
  mlsCommit: z.strictObject({ from: memberIdSchema, epoch: mlsEpochSchema, commit: mlsCommitSchema }),
  /** To an added member only: the Welcome of the commit that added it (group now at `epoch`). */
  mlsWelcome: z.strictObject({ from: memberIdSchema, epoch: mlsEpochSchema, welcome: mlsWelcomeSchema }),
  /**
   * Nobody the Delivery Service counts in the group is still in the room (the group's last member
   * left before adding anyone): everyone calls `mlsJoin` again; one of them makes a new group.
   */
  mlsReset: z.strictObject({}),
} as const;
