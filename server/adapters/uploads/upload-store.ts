/**
 * Resumable uploads in flight (tus; protocol in server/http/routes/uploads.ts).
 * One upload = `<id>.part` (the bytes received so far) + `<id>.json` (its state).
 *
 * Invariant: the offset in `<id>.json` never claims a byte that is not durably
 * in `<id>.part`: the .part is fsynced before a larger offset is recorded, and
 * the JSON is replaced atomically (temp file, fsync, rename). The offset never
 * reaches the length before the bytes became evidence: a crash while ingesting
 * leaves the last chunk to be sent again, never an upload that looks finished
 * but is not evidence.
 *
 * One process owns a data directory (custos.lock), so the per-upload locks
 * live in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError, isAppError } from '../../core/errors';
import { actorSchema, type Actor } from '../../core/events';
import { evidenceMetadataSchema } from '../../core/evidence-metadata';
import type { UploadChecksum, UploadEvidenceFields } from '../../core/tus';

const UPLOAD_ID = /^up_[0-9a-f]{32}$/;

const uploadRecordSchema = z
  .object({
    version: z.literal(1),
    id: z.string().regex(UPLOAD_ID),
    length: z.number().int().positive(),
    offset: z.number().int().nonnegative(),
    /** The client's Upload-Metadata, echoed on HEAD as the spec asks. */
    uploadMetadata: z.string(),
    metadata: evidenceMetadataSchema,
    mediaType: z.string(),
    declaredSha256: z.string().optional(),
    deviceSignature: z.string().optional(),
    creator: actorSchema,
    createdAt: z.string(),
    expiresAt: z.string(),
    /** Set once the bytes became evidence (or matched existing evidence); the .part is gone then. */
    completed: z.object({ evidenceId: z.string(), created: z.boolean(), completedAt: z.string() }).strict().optional(),
  })
  .strict();

export type UploadRecord = z.infer<typeof uploadRecordSchema>;

export interface NewUpload extends UploadEvidenceFields {
  length: number;
  uploadMetadata: string;
  creator: Actor;
}

export interface AppendResult {
  offset: number;
  /** Every byte is in the .part, fsynced; the recorded offset stays behind until complete() or remove(). */
  complete: boolean;
}

export const isUploadId = (id: string): boolean => UPLOAD_ID.test(id);

export class UploadStore {
  private readonly locks = new Set<string>();

  constructor(
    private readonly directory: string,
    private readonly expiryMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async init(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
  }

  isExpired(record: UploadRecord): boolean {
    return Date.parse(record.expiresAt) <= this.now().getTime();
  }

  /** Exclusive use of one upload (PATCH, DELETE, sweep); null when someone holds it. */
  tryLock(id: string): (() => void) | null {
    if (this.locks.has(id)) return null;
    this.locks.add(id);
    return () => this.locks.delete(id);
  }

  async create(fields: NewUpload): Promise<UploadRecord> {
    const id = `up_${randomBytes(16).toString('hex')}`;
    const release = this.tryLock(id)!; // keeps the sweep off the .part until its JSON exists
    try {
      const part = await open(this.partPath(id), 'wx');
      try {
        await part.sync();
      } finally {
        await part.close();
      }
      const created = this.now();
      const record: UploadRecord = {
        version: 1,
        id,
        length: fields.length,
        offset: 0,
        uploadMetadata: fields.uploadMetadata,
        metadata: fields.metadata,
        mediaType: fields.mediaType,
        ...(fields.declaredSha256 !== undefined ? { declaredSha256: fields.declaredSha256 } : {}),
        ...(fields.deviceSignature !== undefined ? { deviceSignature: fields.deviceSignature } : {}),
        creator: fields.creator,
        createdAt: created.toISOString(),
        expiresAt: new Date(created.getTime() + this.expiryMs).toISOString(),
      };
      await this.save(record);
      return record;
    } finally {
      release();
    }
  }

  /** The upload's state, or null if there is none (never created, deleted, swept). */
  async get(id: string): Promise<UploadRecord | null> {
    if (!isUploadId(id)) return null;
    let text: string;
    try {
      text = await readFile(this.jsonPath(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return uploadRecordSchema.parse(JSON.parse(text));
    } catch (cause) {
      throw new AppError('INTERNAL', `upload state ${id} is unreadable`, { cause });
    }
  }

  /**
   * Appends one PATCH body at record.offset. Requires the caller to hold the
   * upload's lock. With a checksum the whole chunk is kept or none of it
   * (CHECKSUM_MISMATCH); without one, a body cut off midway keeps what fully
   * arrived (tus §PATCH allows it) and UPLOAD_ABORTED is thrown. A body longer
   * than the rest of the upload is refused whole (PAYLOAD_TOO_LARGE).
   */
  async append(record: UploadRecord, body: AsyncIterable<Uint8Array>, checksum?: UploadChecksum): Promise<AppendResult> {
    const start = record.offset;
    const file = await open(this.partPath(record.id), 'r+').catch((cause: NodeJS.ErrnoException) => {
      throw cause.code === 'ENOENT' ? new AppError('UPLOAD_NOT_FOUND', `upload ${record.id} has no bytes stored`, { cause }) : cause;
    });
    let position = start;
    try {
      // Bytes past the recorded offset (a chunk cut by a crash, a refused chunk) are not part of the upload.
      await file.truncate(start);
      const hash = checksum ? createHash(checksum.algorithm) : undefined;
      const chunks = body[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await chunks.next();
        } catch (cause) {
          // The client went away. Keep the complete bytes, unless the chunk had to verify as a whole.
          if (checksum || position === record.length) {
            await file.truncate(start);
          } else if (position > start) {
            await file.sync();
            await this.save({ ...record, offset: position, expiresAt: this.expiresFromNow() });
          }
          throw new AppError('UPLOAD_ABORTED', 'the request body ended before Content-Length bytes arrived', { cause, details: { offset: checksum ? start : position } });
        }
        if (next.done) break;
        const chunk = next.value;
        if (position + chunk.length > record.length) {
          await file.truncate(start);
          throw new AppError('PAYLOAD_TOO_LARGE', `the body goes past Upload-Length (${record.length} bytes); the chunk was discarded`, { details: { length: record.length, offset: start } });
        }
        await writeAll(file, chunk, position);
        hash?.update(chunk);
        position += chunk.length;
      }
      if (checksum && hash) {
        const calculated = hash.digest();
        if (!calculated.equals(checksum.digest)) {
          await file.truncate(start);
          throw new AppError('CHECKSUM_MISMATCH', `the chunk's ${checksum.algorithm} does not match Upload-Checksum; it was discarded`, {
            details: { algorithm: checksum.algorithm, expected: checksum.digest.toString('base64'), calculated: calculated.toString('base64'), offset: start },
          });
        }
      }
      await file.sync();
    } catch (error) {
      if (!isAppError(error)) await file.truncate(start).catch(() => undefined);
      throw error;
    } finally {
      await file.close();
    }
    const complete = position === record.length;
    if (!complete) {
      record.offset = position;
      record.expiresAt = this.expiresFromNow();
      await this.save(record);
    }
    return { offset: position, complete };
  }

  /** The received bytes, for ingest. Requires append() to have reported complete. */
  readPart(record: UploadRecord): ReadStream {
    return createReadStream(this.partPath(record.id), { start: 0, end: record.length - 1 });
  }

  /** The bytes became evidence: keep a small marker (HEAD answers with the evidence) until expiry; drop the bytes. */
  async complete(record: UploadRecord, evidenceId: string, created: boolean): Promise<UploadRecord> {
    const now = this.now();
    const done: UploadRecord = { ...record, offset: record.length, expiresAt: this.expiresFromNow(), completed: { evidenceId, created, completedAt: now.toISOString() } };
    await this.save(done);
    await rm(this.partPath(record.id), { force: true });
    return done;
  }

  async remove(id: string): Promise<void> {
    // JSON first: without it the upload is gone for clients, and a leftover .part is an orphan the sweep takes.
    await rm(this.jsonPath(id), { force: true });
    await rm(this.partPath(id), { force: true });
    await rm(this.tempPath(id), { force: true });
  }

  /** Deletes expired uploads and orphaned files (e.g. left by a crash); skips uploads in use. Returns the ids removed. */
  async sweep(): Promise<string[]> {
    const ids = new Set<string>();
    for (const name of await readdir(this.directory)) {
      const id = name.split('.')[0];
      if (isUploadId(id)) ids.add(id);
    }
    const removed: string[] = [];
    for (const id of ids) {
      const release = this.tryLock(id);
      if (!release) continue;
      try {
        const record = await this.get(id).catch(() => null);
        if (record === null || this.isExpired(record)) {
          await this.remove(id);
          removed.push(id);
        }
      } finally {
        release();
      }
    }
    return removed;
  }

  /** Sweeps now and then every intervalMs (unref'd); returns the stop function. */
  startSweeping(intervalMs: number, onError: (error: unknown) => void): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.sweep()
        .catch(onError)
        .finally(() => (running = false));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private expiresFromNow(): string {
    return new Date(this.now().getTime() + this.expiryMs).toISOString();
  }

  private async save(record: UploadRecord): Promise<void> {
    const temp = this.tempPath(record.id);
    const file = await open(temp, 'w');
    try {
      await file.writeFile(JSON.stringify(record));
      await file.sync();
    } finally {
      await file.close();
    }
    // Without a directory fsync a crash may bring back the previous JSON: a smaller offset, still true.
    await rename(temp, this.jsonPath(record.id));
  }

  private partPath(id: string): string {
    return join(this.directory, `${id}.part`);
  }

  private jsonPath(id: string): string {
    return join(this.directory, `${id}.json`);
  }

  private tempPath(id: string): string {
    return join(this.directory, `${id}.json.tmp`);
  }
}

async function writeAll(file: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await file.write(chunk, written, chunk.length - written, position + written);
    written += bytesWritten;
  }
}
