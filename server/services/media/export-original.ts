/**
 * Copies a stored file out of the content store into a job's work directory
 * for ffmpeg (which needs a seekable file), checking on the way that the bytes
 * are still exactly the recorded ones: a rendition is only ever made from a
 * verified original.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { AppError } from '../../core/errors';
import type { ContentStore } from '../../ports';

export async function exportVerified(content: ContentStore, record: { cid: string; sha256: string }, path: string, signal?: AbortSignal): Promise<void> {
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(Readable.from(content.get(record.cid)), hashing, createWriteStream(path), { signal });
  const found = hash.digest('hex');
  if (found !== record.sha256) {
    throw new AppError('CONTENT_UNAVAILABLE', `the stored bytes of ${record.cid} hash to ${found}, not the recorded ${record.sha256}`);
  }
}
