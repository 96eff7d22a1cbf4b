import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../src/index.ts';

describe('TypedEmitter', () => {
  it('delivers typed arguments and stops after off', () => {
    const emitter = new TypedEmitter<{ tick: [number, string] }>();
    const seen: [number, string][] = [];
    const off = emitter.on('tick', (n, s) => seen.push([n, s]));
    emitter.emit('tick', 1, 'a');
    off();
    emitter.emit('tick', 2, 'b');
    expect(seen).toEqual([[1, 'a']]);
  });

  it('keeps delivering when a listener throws, and reports the error', () => {
    const errors: unknown[] = [];
    const emitter = new TypedEmitter<{ e: [] }>((error) => errors.push(error));
    let calls = 0;
    emitter.on('e', () => {
      throw new Error('boom');
    });
    emitter.on('e', () => {
      calls++;
    });
    emitter.emit('e');
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('once fires a single time', () => {
    const emitter = new TypedEmitter<{ e: [] }>();
    let calls = 0;
    emitter.once('e', () => calls++);
    emitter.emit('e');
    emitter.emit('e');
    expect(calls).toBe(1);
  });
});
