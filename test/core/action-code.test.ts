import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTION_TYPES, ISO_7064_MOD_11_10, actionDate, formatActionCode, parseActionCode, type CheckDigitAlgorithm } from '../../server/core/action-code';
import { isAppError } from '../../server/core/errors';

const vectors = JSON.parse(readFileSync(join(__dirname, '..', 'vectors', 'action-code', 'vectors.json'), 'utf8'));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isAppError(error) ? error.code : String(error);
  }
  return undefined;
}

describe('administrative action code (27 digits, ISO/IEC 7064 MOD 11,10)', () => {
  for (const v of vectors.published) {
    it(`check digit of ${v.digits} is ${v.check} (${v.source})`, () => {
      expect(ISO_7064_MOD_11_10.compute(v.digits)).to.equal(v.check);
    });
  }

  it('formats and parses every generated vector, part by part', () => {
    for (const v of vectors.codes) {
      expect(formatActionCode({ actionType: v.actionType, department: v.department, date: v.date, sequence: v.sequence, custom: v.custom })).to.equal(v.code);
      expect(parseActionCode(v.code)).to.include({ actionType: v.actionType, department: v.department, date: v.date, sequence: v.sequence, custom: v.custom, code: v.code });
    }
  });

  it('rejects every single-digit error and adjacent transposition with INVALID_ACTION_CODE', () => {
    expect(vectors.invalid.length).to.be.at.least(6);
    for (const v of vectors.invalid) expect(codeOf(() => parseActionCode(v.code)), v.why).to.equal('INVALID_ACTION_CODE');
  });

  it('is strict about the shape: length, digits, action type, date, sequence', () => {
    const good = vectors.codes[0].code as string;
    expect(codeOf(() => parseActionCode(good.slice(0, 26)))).to.equal('INVALID_ACTION_CODE');
    expect(codeOf(() => parseActionCode(`${good.slice(0, 26)}X`))).to.equal('INVALID_ACTION_CODE');
    const withBody = (body: string) => body + ISO_7064_MOD_11_10.compute(body);
    expect(codeOf(() => parseActionCode(withBody(`99${good.slice(2, 26)}`)))).to.equal('INVALID_ACTION_CODE'); // unknown type
    expect(codeOf(() => parseActionCode(withBody(`${good.slice(0, 11)}260230${good.slice(17, 26)}`)))).to.equal('INVALID_ACTION_CODE'); // 30 February
    expect(codeOf(() => parseActionCode(withBody(`${good.slice(0, 17)}0000${good.slice(21, 26)}`)))).to.equal('INVALID_ACTION_CODE'); // sequence 0
    expect(codeOf(() => formatActionCode({ actionType: '01', department: '12345678', date: '261123', sequence: 1, custom: '00000' }))).to.equal('BAD_REQUEST');
  });

  it('keeps the algorithm swappable: another check-digit function gives another, self-consistent code', () => {
    const zero: CheckDigitAlgorithm = { name: 'always zero', compute: () => '0' };
    const code = formatActionCode({ actionType: '02', department: '110105000', date: '261123', sequence: 42, custom: '00000' }, zero);
    expect(code.endsWith('0')).to.equal(true);
    expect(parseActionCode(code, zero).sequence).to.equal(42);
  });

  it('names the statutory action types in both languages, and dates a case in the local (UTC+8) day', () => {
    expect(ACTION_TYPES['02']).to.deep.equal({ en: 'penalty', zh: '处罚' });
    expect(Object.values(ACTION_TYPES).map((t) => t.zh)).to.include.members(['检查', '处罚', '强制', '许可']);
    expect(actionDate(new Date('2026-11-23T17:30:00Z'))).to.equal('261124');
    expect(actionDate(new Date('2026-11-23T15:59:59Z'))).to.equal('261123');
  });
});
