/**
 * Live recordings: a recorder opens a recording, sends each segment as soon as
 * ffmpeg finalizes it, and seals the recording when it stops. Each step is one
 * logged event (recording.started, segment.recorded, recording.sealed), signed
 * by the device, and the anchorer covers them at its next interval.
 *
 * The server keeps the chain strict: a segment must be the next one and name
 * the previous segment's hash; a retry of a stored segment (same bytes) is
 * answered as stored, a different segment at a taken place is refused
 * (nothing is ever replaced).
 */
import { createHash } from 'node:crypto';
import { AppError } from '../core/errors';
import { EVENT_VERSION, type Actor } from '../core/events';
import { canonicalize } from '../core/jcs';
import { verifyInclusion } from '../core/merkle';
import { parseHash } from '../core/hex';
import { keyId, verifyDeviceSignature } from '../core/device-signature';
import { checkSegmentChain } from '../core/segment-chain';
import { failed, pass, type Check } from '../core/verify';
import {
  NO_CONTENT_HASH,
  recordingMetadataSchema,
  sealMetadataSchema,
  type RecordingMetadata,
  type RecordingSealedEvent,
  type RecordingStartedEvent,
  type SegmentMetadata,
  type SegmentRecordedEvent,
} from '../core/recording-events';
import type { Db } from '../adapters/db/database';
import type { DeviceStore } from '../adapters/db/device-store';
import type { LogStore } from '../adapters/db/log-store';
import type { AnchorStore } from '../adapters/db/anchor-store';
import type { RecordingRow, RecordingStore, SegmentRow } from '../adapters/db/recording-store';
import type { ChainAnchor, ContentStore } from '../ports';
import { checkSignedStatement } from './devices';

export interface RecordingComponents {
  db: Db;
  log: LogStore;
  recordings: RecordingStore;
  devices: DeviceStore;
  anchors: AnchorStore;
  content: ContentStore;
  chain: ChainAnchor;
  requireSignatureFor: readonly string[];
  maxSegmentBytes: number;
  now?: () => Date;
}

export interface SegmentUpload {
  recordingId: string;
  sequence: number;
  prevSegmentHash: string | null;
  body: AsyncIterable<Uint8Array>;
  declaredSha256: string;
  deviceSignature?: string;
  uploader: Actor;
}

export function createRecordings(c: RecordingComponents) {
  const now = c.now ?? (() => new Date());

  const insertStarted = c.db.transaction((event: RecordingStartedEvent) => {
    const existing = c.recordings.byId(event.recording.recordingId);
    if (existing) return { row: existing, created: false };
    const { leafIndex } = c.log.append(event, event.receivedAt);
    c.recordings.insert(event, leafIndex);
    return { row: c.recordings.byId(event.recording.recordingId)!, created: true };
  });

  const insertSegment = c.db.transaction((event: SegmentRecordedEvent): SegmentRow => {
    const { recordingId, sequence } = event.segment;
    const recording = c.recordings.byId(recordingId)!;
    // Checked again inside the transaction: two requests may race for the same place.
    if (recording.segmentCount !== sequence) throw new AppError('SEGMENT_OUT_OF_ORDER', `segment ${sequence} is not the next one (${recording.segmentCount})`);
    if (recording.sealedEvent) throw new AppError('RECORDING_SEALED', `recording ${recordingId} is sealed`);
    const { leafIndex } = c.log.append(event, event.receivedAt);
    c.recordings.addSegment(event, leafIndex);
    return c.recordings.segment(recordingId, sequence)!;
  });

  const insertSeal = c.db.transaction((event: RecordingSealedEvent) => {
    const recording = c.recordings.byId(event.seal.recordingId)!;
    if (recording.sealedEvent) return;
    if (recording.segmentCount !== event.seal.segmentCount) throw new AppError('SEAL_MISMATCH', `the seal counts ${event.seal.segmentCount} segments; the server holds ${recording.segmentCount}`);
    const { leafIndex } = c.log.append(event, event.receivedAt);
    c.recordings.seal(event, leafIndex);
  });

  function find(recordingId: string): RecordingRow {
    const row = c.recordings.byId(recordingId);
    if (!row) throw new AppError('RECORDING_NOT_FOUND', `no recording ${recordingId}`);
    return row;
  }

  return {
    find,

    /** Opens a recording (idempotent: the same statement again answers the existing one). */
    start(metadata: unknown, deviceSignature: string | undefined, uploader: Actor): { row: RecordingRow; created: boolean } {
      const parsed = recordingMetadataSchema.safeParse(metadata);
      if (!parsed.success) {
        throw new AppError('INVALID_METADATA', `invalid recording: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      }
      const recording: RecordingMetadata = parsed.data;
      const existing = c.recordings.byId(recording.recordingId);
      if (existing) {
        const same = canonicalize((JSON.parse(existing.startedEvent) as RecordingStartedEvent).recording) === canonicalize(recording);
        if (!same) throw new AppError('RECORDING_EXISTS', `recording ${recording.recordingId} exists with other metadata`);
        return { row: existing, created: false };
      }
      const signature = checkSignedStatement(c.devices, c.requireSignatureFor, { deviceId: recording.deviceId, sha256: NO_CONTENT_HASH, metadata: recording, deviceSignature, uploader });
      return insertStarted({
        version: EVENT_VERSION,
        type: 'recording.started',
        recording,
        ...(signature ? { deviceSignature: signature } : {}),
        uploader,
        receivedAt: now().toISOString(),
      });
    },

    /** Stores one segment; a retry of a stored segment (same hash) returns it with created: false. */
    async addSegment(upload: SegmentUpload): Promise<{ segment: SegmentRow; created: boolean }> {
      const recording = find(upload.recordingId);
      const stored = c.recordings.segment(upload.recordingId, upload.sequence);
      if (stored) {
        if (stored.sha256 === upload.declaredSha256) return { segment: stored, created: false };
        throw new AppError('SEGMENT_CONFLICT', `segment ${upload.sequence} is already stored with another hash: a segment is never replaced`);
      }
      if (recording.sealedEvent) throw new AppError('RECORDING_SEALED', `recording ${upload.recordingId} is sealed: no more segments`);
      if (upload.sequence !== recording.segmentCount) {
        throw new AppError('SEGMENT_OUT_OF_ORDER', `the next segment of ${upload.recordingId} is ${recording.segmentCount}, not ${upload.sequence}`, { details: { next: recording.segmentCount } });
      }
      if (upload.prevSegmentHash !== recording.lastSha256) {
        throw new AppError('SEGMENT_CHAIN_BROKEN', `segment ${upload.sequence} must name the previous segment's hash ${recording.lastSha256 ?? '(none: it is the first)'}`);
      }
      const segment: SegmentMetadata = { recordingId: recording.id, deviceId: recording.deviceId, sequence: upload.sequence, prevSegmentHash: upload.prevSegmentHash };
      const signature = checkSignedStatement(c.devices, c.requireSignatureFor, { deviceId: recording.deviceId, sha256: upload.declaredSha256, metadata: segment, deviceSignature: upload.deviceSignature, uploader: upload.uploader });

      let size = 0;
      const limit = c.maxSegmentBytes;
      async function* measured(): AsyncGenerator<Uint8Array> {
        for await (const chunk of upload.body) {
          size += chunk.length;
          if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', `segments larger than ${limit} bytes are refused`);
          yield chunk;
        }
      }
      const staged = await c.content.put(measured());
      try {
        if (staged.sha256 !== upload.declaredSha256) {
          throw new AppError('DIGEST_MISMATCH', 'the received segment does not match the Repr-Digest you sent; nothing was stored', { details: { declared: upload.declaredSha256, received: staged.sha256 } });
        }
        await staged.commit();
        await c.content.pin(staged.cid);
        const row = insertSegment({
          version: EVENT_VERSION,
          type: 'segment.recorded',
          segment,
          sha256: staged.sha256,
          size,
          cid: staged.cid,
          cidProfile: c.content.profile,
          ...(signature ? { deviceSignature: signature } : {}),
          uploader: upload.uploader,
          receivedAt: now().toISOString(),
        });
        return { segment: row, created: true };
      } catch (error) {
        await staged.discard();
        throw error;
      }
    },

    /** Closes the chain: the count and the last hash must be what the server holds. */
    seal(recordingId: string, body: unknown, deviceSignature: string | undefined, uploader: Actor): RecordingRow {
      const recording = find(recordingId);
      const parsed = sealMetadataSchema.safeParse(body && typeof body === 'object' ? { recordingId, deviceId: recording.deviceId, ...(body as object) } : body);
      if (!parsed.success) throw new AppError('BAD_REQUEST', `invalid seal: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      const seal = parsed.data;
      if (recording.sealedEvent) {
        const sealed = JSON.parse(recording.sealedEvent) as RecordingSealedEvent;
        if (canonicalize(sealed.seal) === canonicalize(seal)) return recording;
        throw new AppError('RECORDING_SEALED', `recording ${recordingId} is already sealed`);
      }
      if (seal.segmentCount !== recording.segmentCount) {
        throw new AppError('SEAL_MISMATCH', `the seal counts ${seal.segmentCount} segments; the server holds ${recording.segmentCount}: send the missing segments first`);
      }
      const signature = checkSignedStatement(c.devices, c.requireSignatureFor, { deviceId: recording.deviceId, sha256: recording.lastSha256 ?? NO_CONTENT_HASH, metadata: seal, deviceSignature, uploader });
      insertSeal({
        version: EVENT_VERSION,
        type: 'recording.sealed',
        seal,
        lastSegmentHash: recording.lastSha256,
        ...(signature ? { deviceSignature: signature } : {}),
        uploader,
        receivedAt: now().toISOString(),
      });
      return find(recordingId);
    },

    /**
     * Verifies a whole recording from the log and the content store: the chain
     * (order, links, seal), every signature, every segment's bytes, and every
     * event's inclusion in the latest head anchored on the chain (the chain's
     * own root, not the database's).
     */
    async verify(recordingId: string): Promise<{ ok: boolean; sealed: boolean; segmentCount: number; checks: Check[] }> {
      const recording = find(recordingId);
      const started = JSON.parse(recording.startedEvent) as RecordingStartedEvent;
      const rows = c.recordings.segments(recordingId);
      const segments = rows.map((r) => JSON.parse(r.event) as SegmentRecordedEvent);
      const sealed = recording.sealedEvent ? (JSON.parse(recording.sealedEvent) as RecordingSealedEvent) : null;
      const checks = checkSegmentChain(started, segments, sealed);

      const unsigned = segments.filter((s) => !s.deviceSignature).length;
      const badSignature = segments.find((s) => s.deviceSignature && !verifyDeviceSignature(s.deviceSignature, s.sha256, s.segment));
      const key = started.deviceSignature ? keyId(started.deviceSignature.publicKey) : undefined;
      const foreignKey = segments.find((s) => s.deviceSignature && started.deviceSignature && s.deviceSignature.publicKey !== started.deviceSignature.publicKey);
      if (badSignature) checks.push(failed('segment-signature', 'DEVICE_SIGNATURE_INVALID', `segment ${badSignature.segment.sequence}'s signature does not verify`));
      else if (foreignKey) checks.push(failed('segment-signature', 'DEVICE_KEY_CHANGED', `segment ${foreignKey.segment.sequence} is signed by another key than the recording's start`));
      else if (unsigned > 0) checks.push(pass('segment-signature', `${unsigned} of ${segments.length} segments are not signed by a device (uploaded with a token that did not need it)`));
      else checks.push(pass('segment-signature', `every segment signed by device ${recording.deviceId}${key ? ` (ed25519 key ${key})` : ''}`));

      checks.push(await contentCheck(rows));
      checks.push(await anchorCheck(recording, rows));
      return { ok: checks.every((check) => check.ok), sealed: sealed !== null, segmentCount: segments.length, checks };
    },
  };

  async function contentCheck(rows: SegmentRow[]): Promise<Check> {
    for (const row of rows) {
      const hash = createHash('sha256');
      try {
        for await (const chunk of c.content.get(row.cid)) hash.update(chunk);
      } catch (error) {
        return failed('segment-content', 'CONTENT_UNAVAILABLE', `segment ${row.sequence} cannot be read back: ${(error as Error).message}`);
      }
      const found = hash.digest('hex');
      if (found !== row.sha256) return failed('segment-content', 'CONTENT_HASH_MISMATCH', `segment ${row.sequence}'s stored bytes do not hash to the logged SHA-256`, row.sha256, found);
    }
    return pass('segment-content', `the stored bytes of all ${rows.length} segments hash to their logged SHA-256`);
  }

  async function anchorCheck(recording: RecordingRow, rows: SegmentRow[]): Promise<Check> {
    const leaves = [recording.startedLeaf, ...rows.map((r) => r.leafIndex), ...(recording.sealedLeaf !== null ? [recording.sealedLeaf] : [])];
    const head = c.anchors.latest();
    const last = Math.max(...leaves);
    if (!head || head.treeSize <= last) {
      const pending = leaves.filter((leaf) => !head || leaf >= head.treeSize).length;
      return failed('segment-anchor', 'NOT_YET_ANCHORED', `${pending} of ${leaves.length} events are logged but not yet in an anchored head; try again shortly`);
    }
    let onChain;
    try {
      onChain = await c.chain.headAt(head.treeSize);
    } catch (error) {
      return failed('segment-anchor', 'CHAIN_UNAVAILABLE', `the chain could not be read: ${(error as Error).message}`);
    }
    if (!onChain || onChain.rootHash !== head.rootHash) {
      return failed('segment-anchor', 'ANCHORED_ROOT_MISMATCH', `the chain does not anchor the expected root at size ${head.treeSize}`, head.rootHash, onChain?.rootHash ?? 'nothing');
    }
    const root = parseHash(onChain.rootHash);
    for (const leaf of leaves) {
      const leafHash = c.log.leafHash(leaf)!;
      const result = verifyInclusion(leaf, head.treeSize, leafHash, c.log.inclusionProof(leaf, head.treeSize), root);
      if (!result.ok) return failed('segment-anchor', result.code, `event at leaf ${leaf} is not included in the anchored head: ${result.message}`);
    }
    return pass('segment-anchor', `all ${leaves.length} events (start, ${rows.length} segments${recording.sealedLeaf !== null ? ', seal' : ''}) are in the head of size ${head.treeSize} anchored on chain`);
  }
}

export type Recordings = ReturnType<typeof createRecordings>;
