/** Text formatting shared by the PDF and HTML forms, so both print the same words. */
import { AppError } from '../../core/errors';

/** A bilingual label or text: Chinese first, English after it. */
export interface Bilingual {
  zh: string;
  en: string;
}

/** ISO time → Date; an unparseable one is refused rather than printed as "Invalid Date" in the metadata. */
export function parseTime(value: string, field: string): Date {
  const time = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time.getTime())) {
    throw new AppError('BAD_REQUEST', `${field} is not an ISO 8601 time`, { details: { field, value } });
  }
  return time;
}

/** A labelled value. `mono` values are hashes and ids: monospaced and broken at fixed columns, never at a guessed "word". */
export interface Field {
  label: Bilingual;
  value: string;
  mono?: boolean;
  warning?: boolean;
}

/**
 * TT DDDDDDDDD YYMMDD SSSS CCCCC K, the fields of server/core/action-code.ts,
 * so a reader can compare a code group by group. Anything else is printed as given.
 */
export function groupActionCode(code: string): string {
  if (!/^\d{27}$/.test(code)) return code;
  const groups: string[] = [];
  let at = 0;
  for (const length of [2, 9, 6, 4, 5, 1]) {
    groups.push(code.slice(at, at + length));
    at += length;
  }
  return groups.join(' ');
}

const STATUS_NAMES: Readonly<Record<string, string>> = {
  open: '办理中',
  'under-review': '审核中',
  decided: '已作出决定',
  archived: '已归档',
};

/** "办理中 / open" for the statuses of server/core/case-events.ts; others as given. */
export function statusLabel(status: string): string {
  const zh = STATUS_NAMES[status];
  return zh === undefined ? status : `${zh} / ${status}`;
}

/** Exact bytes, then a binary-prefixed size to read at a glance. */
export function formatSize(size: number): string {
  const exact = `${size.toLocaleString('en-US')} 字节 / bytes`;
  if (!Number.isFinite(size) || size < 1024) return exact;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${exact} (${value.toFixed(1)} ${units[unit]})`;
}

/**
 * A printed value longer than this is cut, with its full length said. It
 * bounds every row to less than a page; real values (file names <= 255
 * bytes, ids, URLs) are far shorter, and the package's manifest keeps them whole.
 */
export const MAX_PRINTED_CHARS = 600;

export function capText(text: string, max = MAX_PRINTED_CHARS): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max).join('')}… (已截断，共 ${chars.length} 字符 / truncated, ${chars.length} characters)`;
}

/** For the small card: a plain ellipsis, the card's QR code leads to the full record. */
export function ellipsize(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
