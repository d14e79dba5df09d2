/**
 * Ingest: one pass over the upload stream; the content store computes the
 * SHA-256 and the CID of exactly the bytes it stages (never a whole-file
 * buffer, never a second read). Only when the bytes
 * are committed to the content store does one database transaction write the
 * evidence record and append its leaf, so a record exists iff its leaf exists,
 * and both only once the bytes are stored.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../core/errors';
import { EVENT_VERSION, type Actor, type EvidenceIngestedEvent } from '../core/events';
import type { EvidenceMetadata } from '../core/evidence-metadata';
import type { DeviceSignature } from '../core/device-signature';
import type { ContentStore } from '../ports';
import type { Db } from '../adapters/db/database';
import type { EvidenceRow, EvidenceStore } from '../adapters/db/evidence-store';
import type { LogStore } from '../adapters/db/log-store';

export interface IngestRequest {
  body: AsyncIterable<Uint8Array>;
  metadata: EvidenceMetadata;
  mediaType: string;
  /** The client's own SHA-256 (Repr-Digest), lowercase hex, if it sent one. */
  declaredSha256?: string;
  /** The recorder's Ed25519 signature over (declaredSha256, metadata), base64, if it sent one. */
  deviceSignature?: string;
  uploader: Actor;
}

export interface IngestResult {
  evidence: EvidenceRow;
  /** False when identical bytes were already evidence: the existing record is returned. */
  created: boolean;
}

export interface IngestComponents {
  db: Db;
  log: LogStore;
  evidence: EvidenceStore;
  content: ContentStore;
  maxUploadBytes: number;
  /** Checks a request's device signature before any byte is read: the signature to log, or undefined (unsigned), or throws. */
  checkSignature?: (request: IngestRequest) => DeviceSignature | undefined;
  /** Runs inside the transaction that records new evidence (e.g. to enqueue its probe: never lost, never twice). */
  onRecorded?: (event: EvidenceIngestedEvent) => void;
  /** Runs after that transaction committed. */
  afterRecorded?: (event: EvidenceIngestedEvent) => void;
  now?: () => Date;
}

export function createIngest({ db, log, evidence, content, maxUploadBytes, checkSignature, onRecorded, afterRecorded, now = () => new Date() }: IngestComponents) {
  const insertAndAppend = db.transaction((event: EvidenceIngestedEvent): IngestResult => {
    // Checked again inside the transaction: two identical uploads may race.
    const existing = evidence.bySha256(event.sha256);
    if (existing) return { evidence: existing, created: false };
    const { leafIndex } = log.append(event, event.receivedAt);
    const inserted = evidence.insert(event, leafIndex);
    onRecorded?.(event);
    return { evidence: inserted, created: true };
  });

  return async function ingest(request: IngestRequest): Promise<IngestResult> {
    const deviceSignature = checkSignature?.(request);
    let size = 0;
    async function* measured(): AsyncGenerator<Uint8Array> {
      for await (const chunk of request.body) {
        size += chunk.length;
        if (size > maxUploadBytes) {
          throw new AppError('PAYLOAD_TOO_LARGE', `recordings larger than ${maxUploadBytes} bytes are refused`, { details: { maxUploadBytes } });
        }
        yield chunk;
      }
    }

    const staged = await content.put(measured());
    let pinned = false;
    try {
      if (size === 0) throw new AppError('EMPTY_BODY', 'the request body is empty: send the recording bytes');
      const { sha256 } = staged;
      if (request.declaredSha256 !== undefined && request.declaredSha256 !== sha256) {
        throw new AppError('DIGEST_MISMATCH', 'the received bytes do not match the Repr-Digest you sent; nothing was stored', {
          details: { declared: request.declaredSha256, received: sha256 },
        });
      }
      const existing = evidence.bySha256(sha256);
      if (existing) {
        await staged.discard();
        return { evidence: existing, created: false };
      }
      await staged.commit();
      pinned = true;
      await content.pin(staged.cid);
      const event: EvidenceIngestedEvent = {
        version: EVENT_VERSION,
        type: 'evidence.ingested',
        evidenceId: `ev_${randomUUID()}`,
        sha256,
        size,
        mediaType: request.mediaType,
        cid: staged.cid,
        cidProfile: content.profile,
        metadata: request.metadata,
        receivedAt: now().toISOString(),
        uploader: request.uploader,
        ...(deviceSignature ? { deviceSignature } : {}),
      };
      const result = insertAndAppend(event);
      if (result.created) afterRecorded?.(event);
      return result;
    } catch (error) {
      await staged.discard();
      // Committed and pinned, but no record came of it (the transaction failed):
      // leave the blocks unpinned, for a future garbage collection to take.
      if (pinned && !evidence.bySha256(staged.sha256)) await content.unpin(staged.cid).catch(() => undefined);
      throw error;
    }
  };
}

export type Ingest = ReturnType<typeof createIngest>;
