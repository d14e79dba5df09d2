/** Strict encoders and parsers for the byte formats that cross trust boundaries. */
import { AppError } from './errors';

const HEX_RE = /^[0-9a-f]*$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Parses lowercase hex of an exact byte length. Buffer.from(s, 'hex') silently
 * stops at the first bad character, so the format is checked first.
 */
export function parseHex(value: unknown, byteLength: number, field = 'value'): Uint8Array {
  if (typeof value !== 'string' || value.length !== byteLength * 2 || !HEX_RE.test(value)) {
    throw new AppError('INVALID_HEX', `${field} must be ${byteLength * 2} lowercase hex characters`, {
      details: { field },
    });
  }
  return new Uint8Array(Buffer.from(value, 'hex'));
}

export function parseHash(value: unknown, field = 'hash'): Uint8Array {
  return parseHex(value, 32, field);
}

/** Standard padded base64 only: Node's decoder accepts garbage and URL-safe letters. */
export function parseBase64(value: string, field = 'value'): Uint8Array {
  if (!BASE64_RE.test(value)) {
    throw new AppError('BAD_REQUEST', `${field} is not valid base64`, { details: { field } });
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
