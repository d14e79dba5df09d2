/**
 * The administrative action code (行政行为码) that names a case: 27 digits.
 *
 *   TT DDDDDDDDD YYMMDD SSSS CCCCC K
 *   │  │         │      │    │     └ check digit over the first 26 digits
 *   │  │         │      │    └ custom field (5 digits, 00000 when unused)
 *   │  │         │      └ sequence per department, action type and day (0001–9999)
 *   │  │         └ date the case was opened
 *   │  └ department code (9 digits)
 *   └ action type (2 digits, see ACTION_TYPES)
 *
 * The official check-digit algorithm is not public. We use ISO/IEC 7064
 * MOD 11,10 (a hybrid system: always one decimal digit, catches every single
 * digit error and every adjacent transposition), behind CheckDigitAlgorithm
 * so another algorithm can be swapped in when one is published.
 */
import { AppError } from './errors';

export interface CheckDigitAlgorithm {
  name: string;
  /** The check digit for a string of decimal digits. */
  compute(digits: string): string;
}

/** ISO/IEC 7064 MOD 11,10. Vectors: "0794" → 5, German tax id "8609574271" → 9 (test/vectors/action-code/). */
export const ISO_7064_MOD_11_10: CheckDigitAlgorithm = {
  name: 'ISO/IEC 7064 MOD 11,10',
  compute(digits: string): string {
    if (!/^\d+$/.test(digits)) throw new AppError('BAD_REQUEST', 'a check digit is computed over decimal digits only');
    let product = 10;
    for (const char of digits) {
      let sum = (product + Number(char)) % 10;
      if (sum === 0) sum = 10;
      product = (2 * sum) % 11;
    }
    return String((11 - product) % 10);
  },
};

/** Action types: code → names. Configurable; these are the statutory ones every deployment needs. */
export const ACTION_TYPES: Readonly<Record<string, { en: string; zh: string }>> = {
  '01': { en: 'inspection', zh: '检查' },
  '02': { en: 'penalty', zh: '处罚' },
  '03': { en: 'coercive measure', zh: '强制' },
  '04': { en: 'licensing', zh: '许可' },
};

export interface ActionCodeParts {
  actionType: string;
  department: string;
  /** YYMMDD */
  date: string;
  sequence: number;
  custom: string;
}

export interface ParsedActionCode extends ActionCodeParts {
  code: string;
  checkDigit: string;
}

const LENGTH = 27;

export function formatActionCode(parts: ActionCodeParts, algorithm: CheckDigitAlgorithm = ISO_7064_MOD_11_10, types = ACTION_TYPES): string {
  const problems = partProblems(parts, types);
  if (problems.length > 0) throw new AppError('BAD_REQUEST', `invalid action code parts: ${problems.join('; ')}`);
  const body = `${parts.actionType}${parts.department}${parts.date}${String(parts.sequence).padStart(4, '0')}${parts.custom}`;
  return body + algorithm.compute(body);
}

/** Strict: 27 digits, a known action type, a real date, a sequence from 1, and the right check digit. Every problem is listed. */
export function parseActionCode(code: string, algorithm: CheckDigitAlgorithm = ISO_7064_MOD_11_10, types = ACTION_TYPES): ParsedActionCode {
  if (typeof code !== 'string' || !/^\d{27}$/.test(code)) {
    throw new AppError('INVALID_ACTION_CODE', `an action code is exactly ${LENGTH} digits, got ${JSON.stringify(String(code).slice(0, 40))}`);
  }
  const parts: ActionCodeParts = {
    actionType: code.slice(0, 2),
    department: code.slice(2, 11),
    date: code.slice(11, 17),
    sequence: Number(code.slice(17, 21)),
    custom: code.slice(21, 26),
  };
  const problems = partProblems(parts, types);
  const expected = algorithm.compute(code.slice(0, 26));
  if (code[26] !== expected) problems.push(`check digit is ${code[26]}, ${algorithm.name} gives ${expected}`);
  if (problems.length > 0) throw new AppError('INVALID_ACTION_CODE', `invalid action code ${code}: ${problems.join('; ')}`, { details: { problems } });
  return { ...parts, code, checkDigit: code[26] };
}

function partProblems(parts: ActionCodeParts, types: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  if (!/^\d{2}$/.test(parts.actionType) || !types[parts.actionType]) problems.push(`unknown action type "${parts.actionType}" (known: ${Object.keys(types).join(', ')})`);
  if (!/^\d{9}$/.test(parts.department)) problems.push('the department code is 9 digits');
  if (!/^\d{6}$/.test(parts.date) || !isRealDate(parts.date)) problems.push(`"${parts.date}" is not a date (YYMMDD)`);
  if (!Number.isInteger(parts.sequence) || parts.sequence < 1 || parts.sequence > 9999) problems.push('the sequence runs from 0001 to 9999');
  if (!/^\d{5}$/.test(parts.custom)) problems.push('the custom field is 5 digits');
  return problems;
}

function isRealDate(yymmdd: string): boolean {
  const year = 2000 + Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  const day = Number(yymmdd.slice(4, 6));
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** YYMMDD of a date in a given UTC offset (cases are dated in the department's local day, e.g. +08:00). */
export function actionDate(at: Date, utcOffsetMinutes = 480): string {
  const local = new Date(at.getTime() + utcOffsetMinutes * 60_000);
  return `${String(local.getUTCFullYear() % 100).padStart(2, '0')}${String(local.getUTCMonth() + 1).padStart(2, '0')}${String(local.getUTCDate()).padStart(2, '0')}`;
}
