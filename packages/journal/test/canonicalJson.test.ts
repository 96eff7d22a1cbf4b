import { describe, expect, it } from 'vitest';
import { canonicalJson, JournalError, MAX_JSON_DEPTH } from '../src/index.ts';

function refusal(value: unknown): string {
  try {
    canonicalJson(value);
  } catch (error) {
    expect(error).toBeInstanceOf(JournalError);
    expect((error as JournalError).reason).toBe('not-json');
    return (error as JournalError).message;
  }
  throw new Error('expected a refusal');
}

describe('canonicalJson (RFC 8785)', () => {
  it('serializes the RFC 8785 §3.2.2 example byte for byte', () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`) as unknown;
    expect(canonicalJson(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3), not by code point or locale', () => {
    const input = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`) as Record<string, string>;
    // Object.values would put the integer-like key "1" first: read the order from the text.
    const text = canonicalJson(input);
    const positions = Object.values(input)
      .map((name) => ({ name, at: text.indexOf(name) }))
      .sort((a, b) => a.at - b.at)
      .map(({ name }) => name);
    expect(positions).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it('sorts nested objects and keeps array order', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 2 }, 1], a: { y: null, x: true } })).toBe(
      '{"a":{"x":true,"y":null},"b":[3,{"a":2,"z":1},1]}',
    );
  });

  it('writes numbers as ECMAScript does (RFC 8785 Appendix B vectors)', () => {
    const vectors: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'], // -0
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, expected] of vectors) {
      const value = Buffer.from(bits, 'hex').readDoubleBE(0);
      expect(canonicalJson([value]), bits).toBe(`[${expected}]`);
    }
    expect(canonicalJson({ n: 1e21, m: -0, k: 1e-7 })).toBe('{"k":1e-7,"m":0,"n":1e+21}');
  });

  it('escapes only what JSON must, in lowercase \\u form, and keeps other Unicode as is', () => {
    expect(canonicalJson('\u0000\u001f\b\t\n\f\r"\\/\u007f\u2028é😀')).toBe(
      '"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\/\u007f\u2028é😀"',
    );
  });

  it('refuses values JSON.stringify would drop or change', () => {
    expect(refusal({ a: undefined })).toMatch(/\$\.a: a undefined/);
    expect(refusal([Number.NaN])).toMatch(/NaN/);
    expect(refusal({ x: Number.POSITIVE_INFINITY })).toMatch(/Infinity/);
    expect(refusal({ big: 1n })).toMatch(/bigint/);
    expect(refusal({ f: () => 1 })).toMatch(/function/);
    expect(refusal({ when: new Date(0) })).toMatch(/instance of Date/);
    expect(refusal(new Map())).toMatch(/instance of Map/);
    expect(refusal({ s: Symbol('s') })).toMatch(/symbol/);
    expect(refusal({ [Symbol('k')]: 1 })).toMatch(/symbol keys/);
    // eslint-disable-next-line no-sparse-arrays
    expect(refusal([1, , 3])).toMatch(/hole/);
  });

  it('refuses lone surrogates in strings and keys, accepts pairs', () => {
    expect(refusal('\ud800')).toMatch(/lone surrogate/);
    expect(refusal({ '\udc00': 1 })).toMatch(/lone surrogate/);
    expect(canonicalJson('\ud83d\ude00')).toBe('"😀"');
  });

  it('refuses cycles and nesting deeper than the limit, accepts shared non-cyclic references', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(refusal(cyclic)).toMatch(/cycle/);
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    let deep: unknown = 0;
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) {
      deep = [deep];
    }
    expect(refusal(deep)).toMatch(/deeper/);
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.b = 1;
    bare.a = 'x';
    expect(canonicalJson(bare)).toBe('{"a":"x","b":1}');
  });
});
