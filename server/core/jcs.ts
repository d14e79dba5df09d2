/**
 * RFC 8785 JSON Canonicalization Scheme, strict.
 *
 * Anything that is hashed into the log goes through here, so it refuses what
 * JSON cannot represent faithfully instead of quietly changing it:
 * undefined, functions, NaN/Infinity, integers beyond 2^53 (put them in
 * strings), lone UTF-16 surrogates (RFC 8785 §3.2.2.2) and anything that is not
 * a plain object, array or primitive (a Date would otherwise hash as a string
 * that no verifier can reconstruct).
 */
import { AppError } from './errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalize(value: unknown): string {
  return serialize(value, '$');
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalize(value));
}

function serialize(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw nonCanonical(path, 'is not a finite number');
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw nonCanonical(path, 'is an integer beyond 2^53; encode it as a string');
      }
      // ES2015 Number.prototype.toString is exactly RFC 8785 §3.2.2.3; -0 becomes "0".
      return JSON.stringify(value);
    case 'string':
      if (hasLoneSurrogate(value)) {
        throw nonCanonical(path, 'contains a lone UTF-16 surrogate');
      }
      // JSON.stringify escapes exactly the characters RFC 8785 §3.2.2.2 requires, in lowercase hex.
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => serialize(item, `${path}[${i}]`)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw nonCanonical(path, 'is not a plain object');
      // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
      const keys = Object.keys(value).sort();
      const members = keys.map((key) => {
        if (hasLoneSurrogate(key)) throw nonCanonical(`${path}.${key}`, 'key contains a lone UTF-16 surrogate');
        return `${JSON.stringify(key)}:${serialize((value as Record<string, unknown>)[key], `${path}.${key}`)}`;
      });
      return `{${members.join(',')}}`;
    }
    default:
      throw nonCanonical(path, `is of type ${typeof value}, which JSON cannot represent`);
  }
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function nonCanonical(path: string, problem: string): AppError {
  return new AppError('NON_CANONICAL_JSON', `${path} ${problem}`, { details: { path } });
}

/** Parses JSON text, rejecting it unless it is already in canonical form (no whitespace, sorted keys, no duplicates). */
export function parseCanonicalJson(text: string): JsonValue {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw new AppError('INVALID_JSON', 'not valid JSON', { cause });
  }
  if (canonicalize(value) !== text) {
    throw new AppError('NON_CANONICAL_JSON', 'JSON text is not in RFC 8785 canonical form');
  }
  return value;
}
