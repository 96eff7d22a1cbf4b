import { describe, expect, it } from 'vitest';
import { createLocalIdentity, pairSafetyCode, roomSafetyCode } from '../../src/index.ts';

const FORMAT = /^\d{5} \d{5} \d{5} \d{5} \d{5} \d{5}$/;

async function keys(count: number) {
  return Promise.all(Array.from({ length: count }, async () => (await createLocalIdentity()).publicKeys));
}

describe('pairSafetyCode', () => {
  it('reads as six groups of five digits and is the same in both orders', async () => {
    const [a, b] = await keys(2);
    const code = await pairSafetyCode(a!, b!);
    expect(code).toMatch(FORMAT);
    expect(await pairSafetyCode(b!, a!)).toBe(code);
  });

  it('changes when either member’s ECDH or signing key changes', async () => {
    const [a, b, c] = await keys(3);
    const code = await pairSafetyCode(a!, b!);
    expect(await pairSafetyCode(a!, c!)).not.toBe(code);
    expect(await pairSafetyCode({ ...a!, ecdh: c!.ecdh }, b!)).not.toBe(code);
    expect(await pairSafetyCode(a!, { ...b!, sign: c!.sign })).not.toBe(code);
    // Swapping which key is for ECDH and which for signing is a different identity too.
    expect(await pairSafetyCode({ ...a!, ecdh: a!.sign, sign: a!.ecdh }, b!)).not.toBe(code);
  });

  it('does not depend on the link MAC, which is a function of the keys', async () => {
    const [a, b] = await keys(2);
    expect(await pairSafetyCode({ ...a!, linkMac: 'A'.repeat(43) }, b!)).toBe(await pairSafetyCode(a!, b!));
  });

  it('refuses keys that are not raw P-256 points', async () => {
    const [a] = await keys(1);
    await expect(pairSafetyCode(a!, { ecdh: 'AAAA', sign: a!.sign })).rejects.toThrow(TypeError);
  });
});

describe('roomSafetyCode', () => {
  it('is independent of the members’ order and changes when a member or a key changes', async () => {
    const [a, b, c, d] = await keys(4);
    const code = await roomSafetyCode([a!, b!, c!]);
    expect(code).toMatch(FORMAT);
    expect(await roomSafetyCode([c!, a!, b!])).toBe(code);
    expect(await roomSafetyCode([b!, c!, a!])).toBe(code);
    expect(await roomSafetyCode([a!, b!])).not.toBe(code);
    expect(await roomSafetyCode([a!, b!, c!, d!])).not.toBe(code);
    expect(await roomSafetyCode([a!, b!, { ...c!, sign: d!.sign }])).not.toBe(code);
  });

  it('of two members equals their pair code', async () => {
    const [a, b] = await keys(2);
    expect(await roomSafetyCode([a!, b!])).toBe(await pairSafetyCode(b!, a!));
  });

  it('refuses an empty room', async () => {
    await expect(roomSafetyCode([])).rejects.toThrow(TypeError);
  });
});
