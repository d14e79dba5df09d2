/**
 * The durable job queue in SQLite. A job is enqueued in the same transaction
 * as the fact that calls for it (an ingest enqueues its probe), so no job is
 * ever lost; (kind, evidence, target) is unique, so none is ever duplicated.
 * Only this process runs jobs (the data directory is locked), so claiming is
 * a plain UPDATE; jobs found `running` at start-up were cut off by a crash and
 * are queued again.
 */
import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobRow {
  id: string;
  kind: string;
  evidenceId: string;
  target: string;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  /** ms since the epoch. */
  runAfter: number;
  /** 0..1 */
  progress: number;
  lastError: string | null;
  /** Milliseconds per named step of the attempt that succeeded. */
  steps: Record<string, number> | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface Row {
  id: string;
  kind: string;
  evidence_id: string;
  target: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_after: number;
  progress: number;
  last_error: string | null;
  steps: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const toJob = (row: Row): JobRow => ({
  id: row.id,
  kind: row.kind,
  evidenceId: row.evidence_id,
  target: row.target,
  state: row.state,
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
  runAfter: row.run_after,
  progress: row.progress,
  lastError: row.last_error,
  steps: row.steps === null ? null : (JSON.parse(row.steps) as Record<string, number>),
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

export interface JobFilter {
  state?: JobState;
  evidenceId?: string;
  limit: number;
  /** Jobs created before this one (newest first paging). */
  before?: string;
}

export class JobStore {
  private readonly insertStmt: Statement<[string, string, string, string, number, number, string]>;
  private readonly byIdStmt: Statement<[string], Row>;
  private readonly claimStmt: Statement<[string, number], Row>;
  private readonly nextRunAfterStmt: Statement<[], { next: number | null }>;
  private readonly progressStmt: Statement<[number, string]>;
  private readonly succeedStmt: Statement<[string, string | null, string]>;
  private readonly retryStmt: Statement<[number, string, string]>;
  private readonly failStmt: Statement<[string, string, string]>;
  private readonly releaseStmt: Statement<[string]>;
  private readonly recoverStmt: Statement<[]>;
  private readonly byEvidenceStmt: Statement<[string], Row>;
  private readonly countsStmt: Statement<[], { state: JobState; n: number }>;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO jobs (id, kind, evidence_id, target, state, max_attempts, run_after, created_at)
       VALUES (?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT (kind, evidence_id, target) DO NOTHING`,
    );
    this.byIdStmt = db.prepare('SELECT * FROM jobs WHERE id = ?');
    this.claimStmt = db.prepare(
      `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, progress = 0
       WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= ? ORDER BY run_after, rowid LIMIT 1)
       RETURNING *`,
    );
    this.nextRunAfterStmt = db.prepare("SELECT min(run_after) AS next FROM jobs WHERE state = 'queued'");
    this.progressStmt = db.prepare("UPDATE jobs SET progress = ? WHERE id = ? AND state = 'running'");
    this.succeedStmt = db.prepare("UPDATE jobs SET state = 'succeeded', progress = 1, last_error = NULL, finished_at = ?, steps = ? WHERE id = ?");
    this.retryStmt = db.prepare("UPDATE jobs SET state = 'queued', run_after = ?, last_error = ? WHERE id = ?");
    this.failStmt = db.prepare("UPDATE jobs SET state = 'failed', last_error = ?, finished_at = ? WHERE id = ?");
    // A job given back unfinished (shutdown): its attempt does not count.
    this.releaseStmt = db.prepare("UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), progress = 0 WHERE id = ? AND state = 'running'");
    this.recoverStmt = db.prepare("UPDATE jobs SET state = 'queued', progress = 0 WHERE state = 'running'");
    this.byEvidenceStmt = db.prepare('SELECT * FROM jobs WHERE evidence_id = ? ORDER BY rowid');
    this.countsStmt = db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state');
  }

  /** Enqueues a job unless one of the same kind and target exists for this evidence. Call inside the caller's transaction. */
  enqueue(kind: string, evidenceId: string, target: string, options: { maxAttempts: number; now: Date }): void {
    this.insertStmt.run(`job_${randomUUID()}`, kind, evidenceId, target, options.maxAttempts, options.now.getTime(), options.now.toISOString());
  }

  byId(id: string): JobRow | null {
    const row = this.byIdStmt.get(id);
    return row ? toJob(row) : null;
  }

  forEvidence(evidenceId: string): JobRow[] {
    return this.byEvidenceStmt.all(evidenceId).map(toJob);
  }

  list(filter: JobFilter): JobRow[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.state) {
      where.push('state = ?');
      params.push(filter.state);
    }
    if (filter.evidenceId) {
      where.push('evidence_id = ?');
      params.push(filter.evidenceId);
    }
    if (filter.before) {
      where.push('rowid < (SELECT rowid FROM jobs WHERE id = ?)');
      params.push(filter.before);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit) as Row[]).map(toJob);
  }

  counts(): Record<JobState, number> {
    const counts: Record<JobState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const { state, n } of this.countsStmt.all()) counts[state] = n;
    return counts;
  }

  /** Takes the next due job, marking it running and counting the attempt. */
  claim(now: Date): JobRow | null {
    const row = this.claimStmt.get(now.toISOString(), now.getTime());
    return row ? toJob(row) : null;
  }

  /** When the earliest queued job is due (ms since the epoch), or null if none is queued. */
  nextDue(): number | null {
    return this.nextRunAfterStmt.get()!.next;
  }

  setProgress(id: string, fraction: number): void {
    this.progressStmt.run(Math.max(0, Math.min(1, fraction)), id);
  }

  succeed(id: string, now: Date, steps?: Record<string, number>): void {
    this.succeedStmt.run(now.toISOString(), steps && Object.keys(steps).length > 0 ? JSON.stringify(steps) : null, id);
  }

  retryLater(id: string, runAfter: number, error: string): void {
    this.retryStmt.run(runAfter, error, id);
  }

  fail(id: string, error: string, now: Date): void {
    this.failStmt.run(error, now.toISOString(), id);
  }

  release(id: string): void {
    this.releaseStmt.run(id);
  }

  /** At start-up: jobs left `running` by a crash run again. Returns how many. */
  recoverInterrupted(): number {
    return this.recoverStmt.run().changes;
  }
}
