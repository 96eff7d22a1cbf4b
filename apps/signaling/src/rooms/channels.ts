/** Socket.IO room holding every socket of one member (for direct events). */
export function memberChannel(memberId: string): string {
  return `member:${memberId}`;
}

/** Socket.IO room of a room's hosts and co-hosts (lobby notices). */
export function hostsChannel(roomId: string): string {
  return `hosts:${roomId}`;
}
