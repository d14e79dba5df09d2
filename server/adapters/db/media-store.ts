/**
 * Media records: what the probe found in an original (one row per evidence)
 * and the renditions derived from it. Each row holds its logged event and is
 * written in the transaction that appends that event's leaf.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { canonicalize } from '../../core/jcs';
import type { EvidenceDerivedEvent, EvidenceProbedEvent } from '../../core/media-events';
import type { StreamHash } from '../../ports';

export interface MediaRow {
  evidenceId: string;
  playable: boolean;
  leafIndex: number;
  /** The evidence.probed event, canonical JSON. */
  event: string;
  streamFingerprint: string | null;
  decodedHashes: StreamHash[] | null;
}

export interface RenditionRow {
  evidenceId: string;
  name: string;
  sha256: string;
  size: number;
  mediaType: string;
  cid: string;
  leafIndex: number;
  /** The evidence.derived event, canonical JSON. */
  event: string;
  createdAt: string;
}

interface MediaDbRow {
  evidence_id: string;
  playable: number;
  leaf_index: number;
  event: string;
  stream_fingerprint: string | null;
  decoded_hashes: string | null;
}

interface RenditionDbRow {
  evidence_id: string;
  name: string;
  sha256: string;
  size: number;
  media_type: string;
  cid: string;
  leaf_index: number;
  event: string;
  created_at: string;
}

const toMedia = (row: MediaDbRow): MediaRow => ({
  evidenceId: row.evidence_id,
  playable: row.playable === 1,
  leafIndex: row.leaf_index,
  event: row.event,
  streamFingerprint: row.stream_fingerprint,
  decodedHashes: row.decoded_hashes === null ? null : (JSON.parse(row.decoded_hashes) as StreamHash[]),
});

const toRendition = (row: RenditionDbRow): RenditionRow => ({
  evidenceId: row.evidence_id,
  name: row.name,
  sha256: row.sha256,
  size: row.size,
  mediaType: row.media_type,
  cid: row.cid,
  leafIndex: row.leaf_index,
  event: row.event,
  createdAt: row.created_at,
});

export class MediaStore {
  private readonly byIdStmt: Statement<[string], MediaDbRow>;
  private readonly byFingerprintStmt: Statement<[string], MediaDbRow>;
  private readonly insertStmt: Statement<[string, number, number, string, string | null]>;
  private readonly decodedStmt: Statement<[string, string]>;

  constructor(db: Db) {
    this.byIdStmt = db.prepare('SELECT * FROM media WHERE evidence_id = ?');
    this.byFingerprintStmt = db.prepare('SELECT * FROM media WHERE stream_fingerprint = ? ORDER BY leaf_index');
    this.insertStmt = db.prepare('INSERT INTO media (evidence_id, playable, leaf_index, event, stream_fingerprint) VALUES (?, ?, ?, ?, ?)');
    this.decodedStmt = db.prepare('UPDATE media SET decoded_hashes = ? WHERE evidence_id = ?');
  }

  byEvidence(evidenceId: string): MediaRow | null {
    const row = this.byIdStmt.get(evidenceId);
    return row ? toMedia(row) : null;
  }

  /** Originals whose streams (packets as stored) are exactly these. */
  byStreamFingerprint(fingerprint: string): MediaRow[] {
    return this.byFingerprintStmt.all(fingerprint).map(toMedia);
  }

  /** Requires the caller's transaction, which also appends the event's leaf. */
  insert(event: EvidenceProbedEvent, leafIndex: number, streamFingerprint: string | null): void {
    this.insertStmt.run(event.evidenceId, event.media.playable ? 1 : 0, leafIndex, canonicalize(event), streamFingerprint);
  }

  /** A cache, not a record: the hashes that count are the ones logged in each evidence.derived event. */
  saveDecodedHashes(evidenceId: string, hashes: StreamHash[]): void {
    this.decodedStmt.run(JSON.stringify(hashes), evidenceId);
  }
}

export class RenditionStore {
  private readonly byKeyStmt: Statement<[string, string], RenditionDbRow>;
  private readonly forEvidenceStmt: Statement<[string], RenditionDbRow>;
  private readonly bySha256Stmt: Statement<[string], RenditionDbRow>;
  private readonly insertStmt: Statement<[string, string, string, number, string, string, number, string, string]>;

  constructor(db: Db) {
    this.byKeyStmt = db.prepare('SELECT * FROM renditions WHERE evidence_id = ? AND name = ?');
    this.forEvidenceStmt = db.prepare('SELECT * FROM renditions WHERE evidence_id = ? ORDER BY leaf_index');
    this.bySha256Stmt = db.prepare('SELECT * FROM renditions WHERE sha256 = ? ORDER BY leaf_index LIMIT 1');
    this.insertStmt = db.prepare(
      'INSERT INTO renditions (evidence_id, name, sha256, size, media_type, cid, leaf_index, event, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  get(evidenceId: string, name: string): RenditionRow | null {
    const row = this.byKeyStmt.get(evidenceId, name);
    return row ? toRendition(row) : null;
  }

  forEvidence(evidenceId: string): RenditionRow[] {
    return this.forEvidenceStmt.all(evidenceId).map(toRendition);
  }

  bySha256(sha256: string): RenditionRow | null {
    const row = this.bySha256Stmt.get(sha256);
    return row ? toRendition(row) : null;
  }

  /** Requires the caller's transaction, which also appends the event's leaf. */
  insert(event: EvidenceDerivedEvent, leafIndex: number): RenditionRow {
    const evidenceId = event.derivedFrom.evidenceId;
    this.insertStmt.run(evidenceId, event.name, event.sha256, event.size, event.mediaType, event.cid, leafIndex, canonicalize(event), event.derivedAt);
    return this.get(evidenceId, event.name)!;
  }
}
