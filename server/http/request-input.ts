/** Strict parsing of untrusted request parts: headers, query numbers, JSON bodies, ranges. */
import type { Context } from 'koa';
import { AppError } from '../core/errors';

/** A query parameter as a non-negative safe integer; `BigInt(' 12 ')`-style leniency is refused. */
export function queryInteger(ctx: Context, name: string, fallback?: number): number {
  const raw = ctx.query[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new AppError('BAD_REQUEST', `query parameter ${name} must be a non-negative integer`, { details: { parameter: name } });
  }
  return Number(raw);
}

/** The body's declared Content-Length; 0 when it has none (chunked). */
export function declaredLength(ctx: Context): number {
  return Number(ctx.get('Content-Length') || 0);
}

/** Refuses a body whose declared Content-Length is over `limit` before any of it is read. */
export function assertDeclaredLength(ctx: Context, limit: number, message: string): void {
  const declared = declaredLength(ctx);
  if (declared > limit) throw new AppError('PAYLOAD_TOO_LARGE', message, { details: { limit } });
}

/** Reads a JSON body up to `limit` bytes. */
export async function readJsonBody(ctx: Context, limit: number): Promise<unknown> {
  assertDeclaredLength(ctx, limit, `JSON bodies are limited to ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', `JSON bodies are limited to ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (cause) {
    throw new AppError('INVALID_JSON', 'the body is not valid JSON', { cause });
  }
}

export interface ResolvedRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * A single `bytes=` range (RFC 9110 §14.1.2). Returns null when the header is
 * absent or asks for several ranges (the whole content is then sent, which
 * the RFC allows); throws INVALID_RANGE when nothing in it can be satisfied.
 */
export function parseRange(header: string, size: number): ResolvedRange | null {
  if (header === '') return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) {
    if (/^bytes=.*,/.test(header)) return null;
    throw new AppError('INVALID_RANGE', 'Range must be a single bytes=start-end range', { details: { size } });
  }
  const [, first, last] = match;
  let start: number;
  let end: number;
  if (first === '') {
    if (last === '') throw new AppError('INVALID_RANGE', 'empty range', { details: { size } });
    const suffix = Number(last);
    start = Math.max(0, size - suffix);
    end = size - 1;
    if (suffix === 0) throw new AppError('INVALID_RANGE', 'a zero-length suffix range cannot be satisfied', { details: { size } });
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) throw new AppError('INVALID_RANGE', 'range end is before its start', { details: { size } });
  }
  if (start >= size) throw new AppError('INVALID_RANGE', `range starts beyond the end of the ${size}-byte content`, { details: { size } });
  return { start, end };
}
