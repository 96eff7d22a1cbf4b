import type { SfuHostLoad } from '@confidentiel/protocol';

/** A live host and its load now. */
export interface HostView {
  id: string;
  load: SfuHostLoad;
}

/**
 * Orders hosts lightest first: members per worker (what a meeting costs
 * most: transports, encryption, bandwidth), then consumers per worker, then
 * rooms; equal hosts by id, so that every signaling node decides alike.
 */
export function lighterFirst(a: HostView, b: HostView): number {
  const per = (view: HostView, n: number): number => n / Math.max(1, view.load.workers);
  return (
    per(a, a.load.members) - per(b, b.load.members) ||
    per(a, a.load.consumers) - per(b, b.load.consumers) ||
    a.load.rooms - b.load.rooms ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** The lightest host, if any. */
export function leastLoaded(hosts: readonly HostView[]): HostView | undefined {
  return [...hosts].sort(lighterFirst)[0];
}

export interface MemberPlacementInput {
  /** The hosts the meeting has a room on, its primary first. */
  meetingHosts: readonly string[];
  /** Live hosts with their load. */
  live: readonly HostView[];
  /** A host with this many members (all meetings) takes no new member while another can (SFU_MAX_MEMBERS_PER_HOST). */
  maxMembersPerHost: number;
}

/**
 * Where a member's media goes: the meeting's own hosts first (its primary
 * first), so a meeting stays on as few hosts as it can; once they are full,
 * the lightest other live host that is not (the meeting then spans it). When
 * every live host is full, the meeting's first live host anyway (the bound is
 * soft: a member is never refused for it).
 */
export function hostForMember(input: MemberPlacementInput): string | undefined {
  const live = new Map(input.live.map((view) => [view.id, view]));
  const fits = (view: HostView): boolean => view.load.members < input.maxMembersPerHost;
  for (const id of input.meetingHosts) {
    const view = live.get(id);
    if (view !== undefined && fits(view)) {
      return id;
    }
  }
  const others = input.live.filter((view) => !input.meetingHosts.includes(view.id) && fits(view));
  const spill = leastLoaded(others);
  if (spill !== undefined) {
    return spill.id;
  }
  return input.meetingHosts.find((id) => live.has(id)) ?? leastLoaded(input.live)?.id;
}
