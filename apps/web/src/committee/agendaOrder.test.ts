import { describe, expect, it } from 'vitest';
import { moveItem } from './agendaOrder.ts';

describe('moving an agenda item', () => {
  const ids = ['a', 'b', 'c'];

  it('swaps with the neighbour above or below', () => {
    expect(moveItem(ids, 'b', -1)).toEqual(['b', 'a', 'c']);
    expect(moveItem(ids, 'b', 1)).toEqual(['a', 'c', 'b']);
  });

  it('refuses to move past either end, or an unknown item', () => {
    expect(moveItem(ids, 'a', -1)).toBeNull();
    expect(moveItem(ids, 'c', 1)).toBeNull();
    expect(moveItem(ids, 'z', 1)).toBeNull();
  });

  it('leaves the given order untouched', () => {
    moveItem(ids, 'a', 1);
    expect(ids).toEqual(['a', 'b', 'c']);
  });
});
