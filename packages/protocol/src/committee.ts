import { z } from 'zod';
import { displayNameSchema, memberIdSchema } from './ids.ts';
import { multilineText, visibleText } from './text.ts';

/**
 * Committee sessions (meetings of kind `committee`): the agenda, the floor,
 * votes, minutes (sealed in the browsers) and the recording notice. Signaling
 * keeps this state per room, broadcasts it whole as `committeeState` after
 * every change, and writes every change to the session journal.
 */

/** Agenda item ids are made by signaling (random, base64url). */
export const agendaItemIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,32}$/, 'bad agenda item id');
export const voteIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,32}$/, 'bad vote id');
export const recordingIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22,32}$/, 'bad recording id');

/** Shown to every member: no invisible or control characters (see visibleText). */
const agendaTitleSchema = visibleText(200);
/** A person's name; null when nobody in particular presents (no empty string). */
const presenterSchema = displayNameSchema.nullable();
const agendaNotesSchema = multilineText(4000);

/** An agenda item as the organiser prepares it (HTTP, before the session). */
export const agendaItemInputSchema = z.strictObject({
  title: agendaTitleSchema,
  presenter: presenterSchema.default(null),
  plannedMinutes: z.number().int().min(0).max(600).default(0),
  notes: agendaNotesSchema.default(''),
});
export type AgendaItemInput = z.infer<typeof agendaItemInputSchema>;

/** `PUT /api/organiser/meetings/:meetingId/agenda`: replaces the whole agenda before the session. */
export const putAgendaRequestSchema = z.strictObject({
  items: z.array(agendaItemInputSchema).max(100),
});

export const agendaItemSchema = z.strictObject({
  itemId: agendaItemIdSchema,
  title: agendaTitleSchema,
  presenter: presenterSchema,
  plannedMinutes: z.number().int().min(0).max(600),
  notes: agendaNotesSchema,
  status: z.enum(['pending', 'open', 'closed']),
  /** Time the item has been open so far, all openings together (ms), not counting the current one. */
  elapsedMs: z.number().int().min(0),
  /** Speaking time given on this item, per member (ms). */
  speakingMs: z.record(memberIdSchema, z.number().int().min(0)),
});
export type AgendaItem = z.infer<typeof agendaItemSchema>;

/** `GET` and answer of `PUT /api/organiser/meetings/:meetingId/agenda`. */
export const agendaResponseSchema = z.strictObject({ items: z.array(agendaItemSchema).max(100) });

/** Default options of a motion: for, against, abstention. */
export const DEFAULT_VOTE_OPTIONS = ['pour', 'contre', 'abstention'] as const;

/** Motions and options are read by every voter: no invisible or control characters (see visibleText). */
const motionSchema = visibleText(500);
const voteOptionSchema = visibleText(40);

export const openVoteSchema = z.strictObject({
  voteId: voteIdSchema,
  motion: motionSchema,
  options: z.array(voteOptionSchema).min(2).max(10),
  secret: z.boolean(),
  itemId: agendaItemIdSchema.nullable(),
  openedAt: z.number().int(),
  /** Voting members present when the vote opened. */
  eligible: z.number().int().min(0),
  /** Ballots needed for the result to count. */
  quorum: z.number().int().min(0),
  /** Who has voted (never what, for a secret ballot). */
  voted: z.array(memberIdSchema),
});
export type OpenVote = z.infer<typeof openVoteSchema>;

export const voteResultSchema = z.strictObject({
  voteId: voteIdSchema,
  motion: motionSchema,
  options: z.array(voteOptionSchema).min(2).max(10),
  secret: z.boolean(),
  itemId: agendaItemIdSchema.nullable(),
  openedAt: z.number().int(),
  closedAt: z.number().int(),
  eligible: z.number().int().min(0),
  quorum: z.number().int().min(0),
  cast: z.number().int().min(0),
  quorumReached: z.boolean(),
  tally: z.record(z.string(), z.number().int().min(0)),
  /** Open ballots only: who voted what. */
  ballots: z
    .array(
      z.strictObject({ memberId: memberIdSchema, displayName: displayNameSchema, choice: voteOptionSchema }),
    )
    .nullable(),
  /** `adopted`: more for than against (the first two options) with quorum; `no-quorum`: not enough ballots. */
  outcome: z.enum(['adopted', 'rejected', 'no-quorum']),
});
export type VoteResult = z.infer<typeof voteResultSchema>;

/** Who was there, for the minutes: every presence span of every member. */
export const attendanceEntrySchema = z.strictObject({
  memberId: memberIdSchema,
  displayName: displayNameSchema,
  role: z.enum(['host', 'co-host', 'participant', 'observer']),
  joinedAt: z.number().int(),
  leftAt: z.number().int().nullable(),
});

/** Most floor turns kept for the procès-verbal of one session. */
export const MAX_FLOOR_TURNS = 2000;

/** One floor given by the chair: to whom, on which item, from when to when. */
export const floorTurnSchema = z.strictObject({
  memberId: memberIdSchema,
  displayName: displayNameSchema,
  itemId: agendaItemIdSchema.nullable(),
  from: z.number().int(),
  /** null: still speaking. */
  to: z.number().int().nullable(),
});
export type FloorTurn = z.infer<typeof floorTurnSchema>;

export const committeeStateSchema = z.strictObject({
  agenda: z.array(agendaItemSchema).max(100),
  currentItemId: agendaItemIdSchema.nullable(),
  /** When the current item was (re)opened. */
  currentSince: z.number().int().nullable(),
  floor: z.strictObject({
    speaker: memberIdSchema.nullable(),
    since: z.number().int().nullable(),
    /** Raised hands, first come first served. */
    queue: z.array(memberIdSchema).max(1000),
    /** Every floor given this session, in order, for the procès-verbal (`to` null: still speaking). */
    history: z.array(floorTurnSchema).max(MAX_FLOOR_TURNS).default([]),
  }),
  /**
   * Free discussion: every member may unmute without being given the floor. Off by default: in a
   * committee session members join muted and speak when the chair gives them the floor.
   */
  freeDiscussion: z.boolean().default(false),
  vote: openVoteSchema.nullable(),
  results: z.array(voteResultSchema).max(200),
  recording: z.strictObject({
    on: z.boolean(),
    since: z.number().int().nullable(),
    recordingId: recordingIdSchema.nullable(),
  }),
  /** Latest revision and SHA-256 (hex) of each item's sealed minutes. */
  minutes: z.record(
    agendaItemIdSchema,
    z.strictObject({ revision: z.number().int().min(1), sha256: z.string() }),
  ),
  attendance: z.array(attendanceEntrySchema).max(5000),
});
export type CommitteeState = z.infer<typeof committeeStateSchema>;

/** Sealed minutes of one item (base64url of IV || AES-GCM, from the committee minutes key). */
export const sealedMinutesSchema = z
  .string()
  .min(16)
  .max(60_000)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

const empty = z.strictObject({});

/** Room requests of a committee session (chair = host; secretary = host or co-host). */
export const committeeRequests = {
  committeeState: { request: empty, response: committeeStateSchema },
  agendaOpen: { request: z.strictObject({ itemId: agendaItemIdSchema }), response: empty },
  agendaClose: { request: z.strictObject({ itemId: agendaItemIdSchema }), response: empty },
  agendaReorder: {
    request: z.strictObject({ itemIds: z.array(agendaItemIdSchema).min(1).max(100) }),
    response: empty,
  },
  raiseHand: { request: empty, response: empty },
  lowerHand: { request: empty, response: empty },
  /** The chair gives the floor: the member is unmuted by their own browser, the previous speaker muted. */
  giveFloor: { request: z.strictObject({ memberId: memberIdSchema }), response: empty },
  withdrawFloor: { request: empty, response: empty },
  /** The chair opens (true) or closes (false) free discussion; closing mutes everyone without the floor. */
  setFreeDiscussion: { request: z.strictObject({ open: z.boolean() }), response: empty },
  /** The chair mutes every microphone but their own; answers how many were muted. */
  muteAll: { request: empty, response: z.strictObject({ muted: z.number().int().min(0) }) },
  openVote: {
    request: z.strictObject({
      motion: motionSchema,
      options: z.array(voteOptionSchema).min(2).max(10).optional(),
      secret: z.boolean(),
      /** Ballots needed; default: more than half of the voting members present. */
      quorum: z.number().int().min(1).max(10_000).optional(),
    }),
    response: z.strictObject({ voteId: voteIdSchema }),
  },
  castVote: {
    request: z.strictObject({ voteId: voteIdSchema, choice: voteOptionSchema }),
    response: empty,
  },
  closeVote: { request: z.strictObject({ voteId: voteIdSchema }), response: voteResultSchema },
  saveMinutes: {
    request: z.strictObject({
      itemId: agendaItemIdSchema,
      /** The revision this one replaces + 1 (1 for the first): a stale editor is refused with `conflict`. */
      revision: z.number().int().min(1).max(100_000),
      sealed: sealedMinutesSchema,
    }),
    response: z.strictObject({ revision: z.number().int(), sha256: z.string() }),
  },
  getMinutes: {
    request: empty,
    response: z.strictObject({
      items: z
        .array(
          z.strictObject({
            itemId: agendaItemIdSchema,
            revision: z.number().int(),
            sealed: sealedMinutesSchema,
          }),
        )
        .max(100),
    }),
  },
  /** The chair's browser says the recording started (with the id of the upload) or stopped. */
  setRecording: {
    request: z.strictObject({ on: z.boolean(), recordingId: recordingIdSchema.nullable() }),
    response: empty,
  },
} as const;

export const committeeEvents = {
  committeeState: committeeStateSchema,
  /** To the member concerned: the chair gave (true) or withdrew (false) the floor. */
  floorChanged: z.strictObject({ speaking: z.boolean() }),
} as const;

// ---- recordings over HTTP (ciphertext only; the room token in `Authorization: Bearer`) ----

/** `POST /api/meetings/:meetingId/recordings` (host or co-host token). */
/** A recording's write token: only the browser that started it adds chunks, chapters, or finishes it. */
export const recordingWriteTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'bad write token');

export const createRecordingResponseSchema = z.strictObject({
  recordingId: recordingIdSchema,
  writeToken: recordingWriteTokenSchema,
});

export const recordingSummarySchema = z.strictObject({
  recordingId: recordingIdSchema,
  meetingId: z.string(),
  startedAt: z.number().int(),
  /** Chunks stored so far, with their sizes and SHA-256 (of the ciphertext). */
  chunks: z.array(
    z.strictObject({ index: z.number().int().min(0), size: z.number().int(), sha256: z.string() }),
  ),
  /** Sealed WebVTT chapters (the agenda), when uploaded. */
  hasChapters: z.boolean(),
  finishedAt: z.number().int().nullable(),
});
export type RecordingSummary = z.infer<typeof recordingSummarySchema>;

/** `GET /api/meetings/:meetingId/recordings` (any member's token). */
export const recordingListResponseSchema = z.strictObject({ recordings: z.array(recordingSummarySchema) });

/** Largest sealed chunk accepted, bytes. */
export const MAX_RECORDING_CHUNK_BYTES = 8 * 1024 * 1024;
/** Most chunks in one recording. */
export const MAX_RECORDING_CHUNKS = 10_000;

/**
 * What a journal's RFC 3161 checkpoints hold: a token anchors every entry up to the one it
 * stamps (the chain links them), so `anchoredEntries` entries are proven to exist by then.
 */
export const journalTimeStampsSchema = z.object({
  /** Checkpoints carrying an authority's time-stamp token. */
  tokens: z.number().int().min(0),
  /** Checkpoints recording that the authority could not be reached or refused. */
  failures: z.number().int().min(0),
  /** Entries up to and including the last one a token stamps (0: none). */
  anchoredEntries: z.number().int().min(0),
  /** The host of each authority named in the checkpoints (e.g. `tsa.example.fr`). */
  authorities: z.array(z.string()),
});
export type JournalTimeStamps = z.infer<typeof journalTimeStampsSchema>;

/** `GET /api/organiser/meetings/:meetingId/journals`: one signed journal per session. */
export const journalSummarySchema = z.object({
  sessionId: z.string(),
  file: z.string(),
  startedAt: z.number(),
  /** Lines of the file, checkpoints included. */
  entries: z.number().int().min(0),
  closed: z.boolean(),
  /** Key ids (fingerprints: 16 hex digits) of the Ed25519 keys its entries are signed with. */
  keyIds: z.array(z.string()),
  timeStamps: journalTimeStampsSchema,
});
export type JournalSummary = z.infer<typeof journalSummarySchema>;

/** How this service signs and time-stamps journals (`TSA_URL`, `TSA_EVERY`). */
export const journalServiceFactsSchema = z.object({
  /** The fingerprint of the key `GET /api/journal/public-key` gives. */
  keyId: z.string(),
  /** The configured authority's host and cadence, or null: no `TSA_URL`, nothing is time-stamped. */
  timeStamping: z.object({ authority: z.string(), every: z.number().int().min(1) }).nullable(),
});
export type JournalServiceFacts = z.infer<typeof journalServiceFactsSchema>;
export const journalListResponseSchema = z.object({
  journals: z.array(journalSummarySchema),
  service: journalServiceFactsSchema,
});
export type JournalListResponse = z.infer<typeof journalListResponseSchema>;
