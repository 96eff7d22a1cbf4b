import {
  agendaResponseSchema,
  journalListResponseSchema,
  type JournalSummary,
  createInviteResponseSchema,
  type AgendaItem,
  type AgendaItemInput,
  inviteIdSchema,
  meetingDetailResponseSchema,
  meetingIdSchema,
  meetingListResponseSchema,
  meetingSummarySchema,
  type InviteRole,
  type InviteSummary,
  type MeetingKind,
  type MeetingSummary,
} from '@confidentiel/protocol';
import { requestJson } from './authApi.ts';
import { ApiError, type FetchLike } from './meetingsApi.ts';

export interface NewMeeting {
  title: string;
  kind: MeetingKind;
  startsAt: number;
  allowEarlyEntry: boolean;
}

export type MeetingChanges = Partial<NewMeeting>;

export interface NewInvite {
  /** The invitee's name for a personal link; null for a shared one. */
  label: string | null;
  role: InviteRole;
  requirePasscode: boolean;
  requireAdmission: boolean;
  singleUse: boolean;
  expiresAt: number | null;
}

export interface MeetingDetail {
  meeting: MeetingSummary;
  invites: InviteSummary[];
}

export interface CreatedInvite {
  invite: InviteSummary;
  /** Shown once: the server keeps only its hash. */
  passcode: string | null;
}

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

/**
 * The organiser's meetings and invites (`/api/organiser/*`), for one signed-in
 * session: every state-changing request carries its CSRF token.
 *
 * The answers to update, cancel and revoke are not relied on: the pages read
 * the meeting again, so what they show is always what the server holds.
 */
export class OrganiserApi {
  readonly #csrfToken: string;
  readonly #fetch: FetchLike;

  constructor(csrfToken: string, fetchFn: FetchLike = defaultFetch) {
    if (csrfToken === '') {
      throw new TypeError('a CSRF token is required');
    }
    this.#csrfToken = csrfToken;
    this.#fetch = fetchFn;
  }

  /** `GET /api/organiser/meetings`. */
  async listMeetings(): Promise<MeetingSummary[]> {
    const body = await requestJson(this.#fetch, 'GET', '/api/organiser/meetings');
    const parsed = meetingListResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError('bad-response', 'unexpected meeting list');
    }
    return parsed.data.meetings;
  }

  /** `POST /api/organiser/meetings`. */
  async createMeeting(meeting: NewMeeting): Promise<MeetingSummary> {
    const body = await requestJson(this.#fetch, 'POST', '/api/organiser/meetings', {
      body: meeting,
      csrfToken: this.#csrfToken,
    });
    // The created meeting, bare or as `{ meeting }` like the detail answer.
    const bare = meetingSummarySchema.safeParse(body);
    if (bare.success) {
      return bare.data;
    }
    const wrapped = meetingSummarySchema.safeParse(
      typeof body === 'object' && body !== null && 'meeting' in body ? body.meeting : undefined,
    );
    if (wrapped.success) {
      return wrapped.data;
    }
    throw new ApiError('bad-response', 'unexpected answer to create meeting');
  }

  /** `GET /api/organiser/meetings/:meetingId/agenda`: a committee's agenda, prepared before the session. */
  async getAgenda(meetingId: string): Promise<AgendaItem[]> {
    const parsed = agendaResponseSchema.safeParse(
      await requestJson(this.#fetch, 'GET', `${meetingUrl(meetingId)}/agenda`),
    );
    if (!parsed.success) {
      throw new ApiError('bad-response', 'unexpected agenda');
    }
    return parsed.data.items;
  }

  /** `GET /api/organiser/meetings/:meetingId/journals`: the committee's session journals. */
  async listJournals(meetingId: string): Promise<JournalSummary[]> {
    const parsed = journalListResponseSchema.safeParse(
      await requestJson(this.#fetch, 'GET', `${meetingUrl(meetingId)}/journals`),
    );
    if (!parsed.success) {
      throw new ApiError('bad-response', 'unexpected journal list');
    }
    return parsed.data.journals;
  }

  /** `PUT /api/organiser/meetings/:meetingId/agenda`: replaces the whole agenda. */
  async putAgenda(meetingId: string, items: AgendaItemInput[]): Promise<AgendaItem[]> {
    const parsed = agendaResponseSchema.safeParse(
      await requestJson(this.#fetch, 'PUT', `${meetingUrl(meetingId)}/agenda`, {
        body: { items },
        csrfToken: this.#csrfToken,
      }),
    );
    if (!parsed.success) {
      throw new ApiError('bad-response', 'unexpected agenda');
    }
    return parsed.data.items;
  }

  /** `GET /api/organiser/meetings/:meetingId`: the meeting and its invites. */
  async getMeeting(meetingId: string): Promise<MeetingDetail> {
    const body = await requestJson(this.#fetch, 'GET', meetingUrl(meetingId));
    const parsed = meetingDetailResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError('bad-response', 'unexpected meeting detail');
    }
    return parsed.data;
  }

  /** `PATCH /api/organiser/meetings/:meetingId` with the fields that changed. */
  async updateMeeting(meetingId: string, changes: MeetingChanges): Promise<void> {
    if (Object.keys(changes).length === 0) {
      throw new TypeError('nothing to change');
    }
    await requestJson(this.#fetch, 'PATCH', meetingUrl(meetingId), {
      body: changes,
      csrfToken: this.#csrfToken,
    });
  }

  /** `POST /api/organiser/meetings/:meetingId/cancel`: every link of the meeting stops working. */
  async cancelMeeting(meetingId: string): Promise<void> {
    await requestJson(this.#fetch, 'POST', `${meetingUrl(meetingId)}/cancel`, {
      body: {},
      csrfToken: this.#csrfToken,
    });
  }

  /** `POST /api/organiser/meetings/:meetingId/invites`. */
  async createInvite(meetingId: string, invite: NewInvite): Promise<CreatedInvite> {
    const body = await requestJson(this.#fetch, 'POST', `${meetingUrl(meetingId)}/invites`, {
      body: invite,
      csrfToken: this.#csrfToken,
    });
    const parsed = createInviteResponseSchema.safeParse(body);
    if (!parsed.success || parsed.data.invite.meetingId !== meetingId) {
      throw new ApiError('bad-response', 'unexpected answer to create invite');
    }
    // The link is built from the invite id by the page (with the link secret), not from `invitePath`.
    return { invite: parsed.data.invite, passcode: parsed.data.passcode };
  }

  /** `POST /api/organiser/meetings/:meetingId/invites/:inviteId/revoke`. */
  async revokeInvite(meetingId: string, inviteId: string): Promise<void> {
    if (!inviteIdSchema.safeParse(inviteId).success) {
      throw new ApiError('not-found', 'malformed invite id');
    }
    await requestJson(
      this.#fetch,
      'POST',
      `${meetingUrl(meetingId)}/invites/${encodeURIComponent(inviteId)}/revoke`,
      { body: {}, csrfToken: this.#csrfToken },
    );
  }
}

/** A malformed id is refused locally, like an unknown one: it never reaches a URL. */
function meetingUrl(meetingId: string): string {
  if (!meetingIdSchema.safeParse(meetingId).success) {
    throw new ApiError('room-not-found', 'malformed meeting id');
  }
  return `/api/organiser/meetings/${encodeURIComponent(meetingId)}`;
}
