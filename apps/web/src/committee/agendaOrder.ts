/**
 * The agenda order after moving `itemId` by `delta` places (-1 up, +1 down),
 * or null when it cannot move (unknown, or already first or last).
 */
export function moveItem(itemIds: readonly string[], itemId: string, delta: -1 | 1): string[] | null {
  const from = itemIds.indexOf(itemId);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= itemIds.length) {
    return null;
  }
  const order = [...itemIds];
  order[from] = order[to]!;
  order[to] = itemId;
  return order;
}
