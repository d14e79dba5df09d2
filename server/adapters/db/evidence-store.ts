/** Evidence records. A record exists iff its leaf exists: both are written in one transaction by services/ingest. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { canonicalize } from '../../core/jcs';
import type { EvidenceIngestedEvent } from '../../core/events';

export interface EvidenceRow {
  id: string;
  sha256: string;
  size: number;
  mediaType: string;
  cid: string;
  leafIndex: number;
  /** The evidence.ingested event as stored with the record (canonical JSON). */
  event: string;
  receivedAt: string;
}

interface Row {
  id: string;
  sha256: string;
  size: number;
  media_type: string;
  cid: string;
  leaf_index: number;
  event: string;
  received_at: string;
}

const toEvidence = (row: Row): EvidenceRow => ({
  id: row.id,
  sha256: row.sha256,
  size: row.size,
  mediaType: row.media_type,
  cid: row.cid,
  leafIndex: row.leaf_index,
  event: row.event,
  receivedAt: row.received_at,
});

export class EvidenceStore {
  private readonly byIdStmt: Statement<[string], Row>;
  private readonly bySha256Stmt: Statement<[string], Row>;
  private readonly insertStmt: Statement<[string, string, number, string, string, number, string, string]>;
  private readonly countStmt: Statement<[], { n: number }>;

  constructor(db: Db) {
    this.byIdStmt = db.prepare('SELECT * FROM evidence WHERE id = ?');
    this.bySha256Stmt = db.prepare('SELECT * FROM evidence WHERE sha256 = ?');
    this.insertStmt = db.prepare(
      'INSERT INTO evidence (id, sha256, size, media_type, cid, leaf_index, event, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.countStmt = db.prepare('SELECT count(*) AS n FROM evidence');
  }

  byId(id: string): EvidenceRow | null {
    const row = this.byIdStmt.get(id);
    return row ? toEvidence(row) : null;
  }

  bySha256(sha256: string): EvidenceRow | null {
    const row = this.bySha256Stmt.get(sha256);
    return row ? toEvidence(row) : null;
  }

  count(): number {
    return this.countStmt.get()!.n;
  }

  /** Requires the caller's transaction, which also appends the event's leaf. */
  insert(event: EvidenceIngestedEvent, leafIndex: number): EvidenceRow {
    this.insertStmt.run(event.evidenceId, event.sha256, event.size, event.mediaType, event.cid, leafIndex, canonicalize(event), event.receivedAt);
    return this.byId(event.evidenceId)!;
  }
}
