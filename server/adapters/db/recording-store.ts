/** Live recordings and their segments (see core/recording-events.ts). Rows are written with their events, in one transaction. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { canonicalize } from '../../core/jcs';
import type { RecordingSealedEvent, RecordingStartedEvent, SegmentRecordedEvent } from '../../core/recording-events';

export interface RecordingRow {
  id: string;
  deviceId: string;
  startedEvent: string;
  startedLeaf: number;
  segmentCount: number;
  lastSha256: string | null;
  sealedEvent: string | null;
  sealedLeaf: number | null;
  createdAt: string;
}

export interface SegmentRow {
  recordingId: string;
  sequence: number;
  sha256: string;
  size: number;
  cid: string;
  leafIndex: number;
  event: string;
  receivedAt: string;
}

interface RecordingDbRow {
  id: string;
  device_id: string;
  started_event: string;
  started_leaf: number;
  segment_count: number;
  last_sha256: string | null;
  sealed_event: string | null;
  sealed_leaf: number | null;
  created_at: string;
}

interface SegmentDbRow {
  recording_id: string;
  sequence: number;
  sha256: string;
  size: number;
  cid: string;
  leaf_index: number;
  event: string;
  received_at: string;
}

const toRecording = (r: RecordingDbRow): RecordingRow => ({
  id: r.id,
  deviceId: r.device_id,
  startedEvent: r.started_event,
  startedLeaf: r.started_leaf,
  segmentCount: r.segment_count,
  lastSha256: r.last_sha256,
  sealedEvent: r.sealed_event,
  sealedLeaf: r.sealed_leaf,
  createdAt: r.created_at,
});

const toSegment = (r: SegmentDbRow): SegmentRow => ({
  recordingId: r.recording_id,
  sequence: r.sequence,
  sha256: r.sha256,
  size: r.size,
  cid: r.cid,
  leafIndex: r.leaf_index,
  event: r.event,
  receivedAt: r.received_at,
});

export class RecordingStore {
  private readonly byIdStmt: Statement<[string], RecordingDbRow>;
  private readonly insertStmt: Statement<[string, string, string, number, string]>;
  private readonly segmentStmt: Statement<[string, number], SegmentDbRow>;
  private readonly segmentsStmt: Statement<[string], SegmentDbRow>;
  private readonly insertSegmentStmt: Statement<[string, number, string, number, string, number, string, string]>;
  private readonly advanceStmt: Statement<[string, string]>;
  private readonly sealStmt: Statement<[string, number, string]>;

  constructor(db: Db) {
    this.byIdStmt = db.prepare('SELECT * FROM recordings WHERE id = ?');
    this.insertStmt = db.prepare('INSERT INTO recordings (id, device_id, started_event, started_leaf, created_at) VALUES (?, ?, ?, ?, ?)');
    this.segmentStmt = db.prepare('SELECT * FROM segments WHERE recording_id = ? AND sequence = ?');
    this.segmentsStmt = db.prepare('SELECT * FROM segments WHERE recording_id = ? ORDER BY leaf_index');
    this.insertSegmentStmt = db.prepare('INSERT INTO segments (recording_id, sequence, sha256, size, cid, leaf_index, event, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.advanceStmt = db.prepare('UPDATE recordings SET segment_count = segment_count + 1, last_sha256 = ? WHERE id = ?');
    this.sealStmt = db.prepare('UPDATE recordings SET sealed_event = ?, sealed_leaf = ? WHERE id = ? AND sealed_event IS NULL');
  }

  byId(id: string): RecordingRow | null {
    const row = this.byIdStmt.get(id);
    return row ? toRecording(row) : null;
  }

  segment(recordingId: string, sequence: number): SegmentRow | null {
    const row = this.segmentStmt.get(recordingId, sequence);
    return row ? toSegment(row) : null;
  }

  /** In log order (which the service keeps equal to sequence order). */
  segments(recordingId: string): SegmentRow[] {
    return this.segmentsStmt.all(recordingId).map(toSegment);
  }

  /** Requires the caller's transaction (which appends the event). */
  insert(event: RecordingStartedEvent, leafIndex: number): void {
    this.insertStmt.run(event.recording.recordingId, event.recording.deviceId, canonicalize(event), leafIndex, event.receivedAt);
  }

  /** Requires the caller's transaction (which appends the event). */
  addSegment(event: SegmentRecordedEvent, leafIndex: number): void {
    const { recordingId, sequence } = event.segment;
    this.insertSegmentStmt.run(recordingId, sequence, event.sha256, event.size, event.cid, leafIndex, canonicalize(event), event.receivedAt);
    this.advanceStmt.run(event.sha256, recordingId);
  }

  /** Requires the caller's transaction (which appends the event). */
  seal(event: RecordingSealedEvent, leafIndex: number): void {
    this.sealStmt.run(canonicalize(event), leafIndex, event.seal.recordingId);
  }
}
