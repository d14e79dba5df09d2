import { expect } from 'chai';
import { canonicalize, parseCanonicalJson } from '../../server/core/jcs';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('RFC 8785 JCS (strict)', () => {
  it('formats numbers as RFC 8785 §3.2.2.3 (its sample)', () => {
    // The sample's 1E30 is left out: as an integer beyond 2^53 it is refused (below) rather than rounded.
    expect(canonicalize({ numbers: [333333333.33333329, 4.5, 2e-3, 0.000000000000000000000000001, -0] })).to.equal(
      '{"numbers":[333333333.3333333,4.5,0.002,1e-27,0]}',
    );
  });

  it('escapes strings as RFC 8785 §3.2.2.2 (its sample)', () => {
    expect(canonicalize({ string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/' })).to.equal('{"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
    expect(canonicalize([null, true, false])).to.equal('[null,true,false]');
  });

  it('sorts keys by UTF-16 code units, recursively (RFC 8785 §3.2.3 sample)', () => {
    const value = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    const keys = Object.keys(JSON.parse(canonicalize(value)));
    // JSON.parse puts the integer-like key first; compare the serialized order instead.
    const order = [...canonicalize(value).matchAll(/"([^"]*)":/g)].map((m) => m[1]);
    expect(order).to.deep.equal(['\\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
    expect(keys).to.have.length(7);
    expect(canonicalize({ b: { d: 1, c: [{ z: 1, y: 2 }] }, a: 0 })).to.equal('{"a":0,"b":{"c":[{"y":2,"z":1}],"d":1}}');
  });

  for (const [what, value] of [
    ['NaN', { n: NaN }],
    ['Infinity', [Infinity]],
    ['an integer beyond 2^53', { n: 2 ** 53 }],
    ['a lone surrogate in a value', { s: 'a\ud800b' }],
    ['a lone surrogate in a key', { ['\udc00']: 1 }],
    ['a Date', { at: new Date(0) }],
    ['undefined', { u: undefined }],
    ['a function', [() => 1]],
    ['a Map', new Map()],
    ['a bigint', { n: 1n }],
  ] as Array<[string, unknown]>) {
    it(`refuses ${what} (NON_CANONICAL_JSON) instead of changing it`, () => {
      expect(codeOf(() => canonicalize(value))).to.equal('NON_CANONICAL_JSON');
    });
  }

  describe('parseCanonicalJson: accepts only text that is already canonical', () => {
    it('accepts canonical text and returns its value', () => {
      expect(parseCanonicalJson('{"a":[1,"x"],"b":null}')).to.deep.equal({ a: [1, 'x'], b: null });
    });
    for (const [what, text, code] of [
      ['whitespace', '{"a": 1}', 'NON_CANONICAL_JSON'],
      ['unsorted keys', '{"b":1,"a":2}', 'NON_CANONICAL_JSON'],
      ['duplicate keys', '{"a":1,"a":1}', 'NON_CANONICAL_JSON'],
      ['a non-canonical number', '{"a":1.0}', 'NON_CANONICAL_JSON'],
      ['an escaped character that need not be', '{"a":"\\u0041"}', 'NON_CANONICAL_JSON'],
      ['text that is not JSON', '{"a":', 'INVALID_JSON'],
    ] as Array<[string, string, string]>) {
      it(`refuses ${what} (${code})`, () => {
        expect(codeOf(() => parseCanonicalJson(text))).to.equal(code);
      });
    }
  });
});
