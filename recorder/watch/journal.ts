/**
 * The dock agent's journal: one SQLite row per recording version, keyed by
 * (path, size, mtime, sha256), so that an agent killed at any point (SIGKILL,
 * power cut) resumes where it was: a row is written before each step that has
 * an effect elsewhere (the upload URL as soon as the server created the upload,
 * before the first byte is sent), never after.
 *
 *   pending ──▶ uploading(uploadUrl) ──▶ uploaded(evidenceId) ──▶ verified(proof) ──▶ deleted
 *      └──────────────┴──▶ refused (a 4xx, or metadata we cannot send; retried when the file changes)
 *
 * Rollback journal, not WAL: the default journal sits in the watched folder,
 * which may be a network or USB mount, where WAL's shared memory is not
 * supported. synchronous=FULL: a dock loses power, and a state change that
 * did not reach the disk would mean a repeated or, worse, a skipped step.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { WatchError } from './errors';

export type FileState = 'pending' | 'uploading' | 'uploaded' | 'verified' | 'deleted' | 'refused';

export interface JournalRow {
  id: number;
  /** Relative to the watched folder (`/`-separated), so the journal stays valid if the mount point moves. */
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  state: FileState;
  /** The metadata as signed and sent (JSON), once an upload was created. */
  metadata: string | null;
  uploadUrl: string | null;
  evidenceId: string | null;
  proofPath: string | null;
  attempts: number;
  lastErrorCode: string | null;
  lastError: string | null;
  /** The sidecar's `size:mtime` when the file was refused: a changed sidecar earns a new attempt. */
  sidecarStamp: string | null;
  createdAt: string;
  updatedAt: string;
  uploadedAt: string | null;
  verifiedAt: string | null;
  deletedAt: string | null;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS files (
  id              INTEGER PRIMARY KEY,
  path            TEXT    NOT NULL,
  size            INTEGER NOT NULL,
  mtime_ms        REAL    NOT NULL,
  sha256          TEXT    NOT NULL CHECK (length(sha256) = 64),
  state           TEXT    NOT NULL CHECK (state IN ('pending', 'uploading', 'uploaded', 'verified', 'deleted', 'refused')),
  metadata        TEXT,
  upload_url      TEXT,
  evidence_id     TEXT,
  proof_path      TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error_code TEXT,
  last_error      TEXT,
  sidecar_stamp   TEXT,
  created_at      TEXT    NOT NULL,
  updated_at      TEXT    NOT NULL,
  uploaded_at     TEXT,
  verified_at     TEXT,
  deleted_at      TEXT,
  UNIQUE (path, size, mtime_ms, sha256)
);
CREATE INDEX IF NOT EXISTS files_by_state ON files (state);
`;

const COLUMNS = `id, path, size, mtime_ms AS mtimeMs, sha256, state, metadata, upload_url AS uploadUrl, evidence_id AS evidenceId,
  proof_path AS proofPath, attempts, last_error_code AS lastErrorCode, last_error AS lastError, sidecar_stamp AS sidecarStamp,
  created_at AS createdAt, updated_at AS updatedAt, uploaded_at AS uploadedAt, verified_at AS verifiedAt, deleted_at AS deletedAt`;

export class Journal {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): Journal {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new WatchError('JOURNAL_STATE_CONFLICT', `${path} was written by a newer custos-recorder (journal version ${version})`);
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return new Journal(db);
  }

  close(): void {
    this.db.close();
  }

  /** The latest row for this version of a file; undefined if it was never hashed. */
  find(path: string, size: number, mtimeMs: number): JournalRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM files WHERE path = ? AND size = ? AND mtime_ms = ? ORDER BY id DESC LIMIT 1`).get(path, size, mtimeMs) as JournalRow | undefined;
  }

  get(id: number): JournalRow {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM files WHERE id = ?`).get(id) as JournalRow | undefined;
    if (!row) throw new WatchError('JOURNAL_STATE_CONFLICT', `journal row ${id} is gone`);
    return row;
  }

  all(): JournalRow[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM files ORDER BY id`).all() as JournalRow[];
  }

  inState(state: FileState): JournalRow[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM files WHERE state = ? ORDER BY id`).all(state) as JournalRow[];
  }

  /** Records a hashed, stable file as pending (or returns the row that already has this exact key). */
  add(file: { path: string; size: number; mtimeMs: number; sha256: string }): JournalRow {
    const now = new Date().toISOString();
    this.db
      .prepare(`INSERT OR IGNORE INTO files (path, size, mtime_ms, sha256, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)`)
      .run(file.path, file.size, file.mtimeMs, file.sha256, now, now);
    return this.db.prepare(`SELECT ${COLUMNS} FROM files WHERE path = ? AND size = ? AND mtime_ms = ? AND sha256 = ?`).get(file.path, file.size, file.mtimeMs, file.sha256) as JournalRow;
  }

  /** The server created an upload: from now on this file resumes that upload, never starts another. */
  markUploading(id: number, uploadUrl: string, metadata: string): void {
    this.transition(id, ['pending', 'uploading'], `state = 'uploading', upload_url = @uploadUrl, metadata = @metadata`, { uploadUrl, metadata });
  }

  /** The server no longer has the upload (expired, swept, or deleted after a refusal): the next attempt creates one. */
  forgetUpload(id: number): void {
    this.transition(id, ['uploading'], `state = 'pending', upload_url = NULL`, {});
  }

  markUploaded(id: number, evidenceId: string): void {
    this.transition(id, ['pending', 'uploading'], `state = 'uploaded', evidence_id = @evidenceId, uploaded_at = @now, last_error_code = NULL, last_error = NULL`, { evidenceId });
  }

  markVerified(id: number, proofPath: string): void {
    this.transition(id, ['uploaded'], `state = 'verified', proof_path = @proofPath, verified_at = @now, last_error_code = NULL, last_error = NULL`, { proofPath });
  }

  markDeleted(id: number): void {
    this.transition(id, ['verified'], `state = 'deleted', deleted_at = @now`, {});
  }

  markRefused(id: number, code: string, message: string, sidecarStamp: string | null): void {
    this.transition(id, ['pending', 'uploading'], `state = 'refused', last_error_code = @code, last_error = @message, sidecar_stamp = @sidecarStamp, attempts = attempts + 1`, {
      code,
      message: message.slice(0, 2000),
      sidecarStamp,
    });
  }

  /** Gives a refused file another attempt (it or its sidecar changed, or --retry-refused). */
  retryRefused(id: number): JournalRow {
    this.transition(id, ['refused'], `state = CASE WHEN upload_url IS NULL THEN 'pending' ELSE 'uploading' END`, {});
    return this.get(id);
  }

  /** A failed attempt that will be retried; the state stays. */
  recordFailure(id: number, code: string, message: string): void {
    this.db.prepare(`UPDATE files SET attempts = attempts + 1, last_error_code = ?, last_error = ?, updated_at = ? WHERE id = ?`).run(code, message.slice(0, 2000), new Date().toISOString(), id);
  }

  /** One guarded UPDATE: a transition from a state it does not start from is a bug (or a second agent), not something to paper over. */
  private transition(id: number, from: FileState[], set: string, params: Record<string, unknown>): void {
    const placeholders = from.map((_, i) => `@from${i}`).join(', ');
    const fromParams = Object.fromEntries(from.map((state, i) => [`from${i}`, state]));
    const result = this.db
      .prepare(`UPDATE files SET ${set}, updated_at = @now WHERE id = @id AND state IN (${placeholders})`)
      .run({ ...params, ...fromParams, id, now: new Date().toISOString() });
    if (result.changes !== 1) {
      const row = this.db.prepare('SELECT state FROM files WHERE id = ?').get(id) as { state: string } | undefined;
      throw new WatchError('JOURNAL_STATE_CONFLICT', `journal row ${id} is ${row?.state ?? 'missing'}, expected ${from.join(' or ')}`, { details: { id, state: row?.state, expected: from } });
    }
  }
}
