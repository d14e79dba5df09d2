/** Serves a stored file (an original or a rendition): ETag = its SHA-256, Range requests, streamed from the content store. */
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import { parseRange } from './request-input';
import type { ContentStore } from '../ports';

export interface StoredFile {
  cid: string;
  sha256: string;
  size: number;
  mediaType: string;
}

/** `onServe` runs just before bytes are sent (not for a 304), e.g. to log the read with the range served. */
export function sendStored(ctx: Context, content: ContentStore, file: StoredFile, onServe: (range?: string) => void = () => undefined): void {
  const etag = `"${file.sha256}"`;
  ctx.set('ETag', etag);
  ctx.set('Accept-Ranges', 'bytes');
  ctx.set('Cache-Control', 'private, no-transform');
  if (ctx.get('If-None-Match') === etag) {
    ctx.status = 304;
    return;
  }
  const range = parseRangeOrAnswer416(ctx, file.size);
  ctx.type = file.mediaType;
  onServe(range ? `${range.start}-${range.end}` : undefined);
  if (range) {
    ctx.status = 206;
    ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
    ctx.length = range.end - range.start + 1;
    ctx.body = Readable.from(content.get(file.cid, { offset: range.start, length: range.end - range.start + 1 }));
  } else {
    ctx.length = file.size;
    ctx.body = Readable.from(content.get(file.cid));
  }
}

function parseRangeOrAnswer416(ctx: Context, size: number) {
  try {
    return parseRange(ctx.get('Range'), size);
  } catch (error) {
    ctx.set('Content-Range', `bytes */${size}`);
    throw error;
  }
}
