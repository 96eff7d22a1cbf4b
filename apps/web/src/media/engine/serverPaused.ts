/**
 * Where a producer's `appData` keeps the produce answer's `paused`: the server made the producer
 * paused (a committee member's microphone without the floor), and the publisher shows it muted.
 * mediasoup-client hands the same `appData` object to the transport's `produce` event and to the
 * producer it makes, so the answer reaches the producer without another message.
 */
export const SERVER_PAUSED = 'serverPaused';

export function pausedByServer(producer: { readonly appData: Record<string, unknown> }): boolean {
  return producer.appData[SERVER_PAUSED] === true;
}
