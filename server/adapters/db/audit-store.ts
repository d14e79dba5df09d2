/** Audits and their findings; progress is saved item by item, so an audit interrupted by a restart resumes where it stopped. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import type { Finding } from '../../core/audit';

export type AuditState = 'queued' | 'running' | 'completed' | 'failed';

import type { z } from 'zod';
import type { auditScopeSchema } from '../../core/audit-events';

export type AuditScope = z.infer<typeof auditScopeSchema>;

export interface AuditRow {
  id: string;
  scope: AuditScope;
  state: AuditState;
  requestedBy: { tokenId: string; name: string; role: string };
  total: number;
  done: number;
  bytes: number;
  items: string[] | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  report: string | null;
  reportSha256: string | null;
  leafIndex: number | null;
  error: string | null;
}

interface DbRow {
  id: string;
  scope: string;
  state: AuditState;
  requested_by: string;
  total: number;
  done: number;
  bytes: number;
  items: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  report: string | null;
  report_sha256: string | null;
  leaf_index: number | null;
  error: string | null;
}

const toRow = (r: DbRow): AuditRow => ({
  id: r.id,
  scope: JSON.parse(r.scope) as AuditScope,
  state: r.state,
  requestedBy: JSON.parse(r.requested_by) as AuditRow['requestedBy'],
  total: r.total,
  done: r.done,
  bytes: r.bytes,
  items: r.items === null ? null : (JSON.parse(r.items) as string[]),
  createdAt: r.created_at,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  report: r.report,
  reportSha256: r.report_sha256,
  leafIndex: r.leaf_index,
  error: r.error,
});

export class AuditStore {
  private readonly insertStmt: Statement<[string, string, string, string]>;
  private readonly byIdStmt: Statement<[string], DbRow>;
  private readonly listStmt: Statement<[number], DbRow>;
  private readonly unfinishedStmt: Statement<[], DbRow>;
  private readonly startStmt: Statement<[string, number, string, string]>;
  private readonly progressStmt: Statement<[number, number, string]>;
  private readonly findingStmt: Statement<[string, number, string]>;
  private readonly findingsStmt: Statement<[string], { finding: string }>;
  private readonly countFindingsStmt: Statement<[string], { n: number }>;
  private readonly completeStmt: Statement<[string, string, string, number, string]>;
  private readonly failStmt: Statement<[string, string, string]>;
  private readonly evidenceStmt: Statement<[], { id: string }>;
  private readonly evidenceSinceStmt: Statement<[string], { id: string }>;
  private readonly evidenceOfCaseStmt: Statement<[string], { id: string }>;
  private readonly recordingsStmt: Statement<[], { id: string }>;
  private readonly recordingsSinceStmt: Statement<[string], { id: string }>;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare("INSERT INTO audits (id, scope, state, requested_by, created_at) VALUES (?, ?, 'queued', ?, ?)");
    this.byIdStmt = db.prepare('SELECT * FROM audits WHERE id = ?');
    this.listStmt = db.prepare('SELECT * FROM audits ORDER BY created_at DESC, id LIMIT ?');
    this.unfinishedStmt = db.prepare("SELECT * FROM audits WHERE state IN ('queued', 'running') ORDER BY created_at, id");
    this.startStmt = db.prepare("UPDATE audits SET state = 'running', items = ?, total = ?, started_at = ? WHERE id = ? AND items IS NULL");
    this.progressStmt = db.prepare('UPDATE audits SET done = ?, bytes = ? WHERE id = ?');
    this.findingStmt = db.prepare('INSERT OR IGNORE INTO audit_findings (audit_id, seq, finding) VALUES (?, ?, ?)');
    this.findingsStmt = db.prepare('SELECT finding FROM audit_findings WHERE audit_id = ? ORDER BY seq');
    this.countFindingsStmt = db.prepare('SELECT count(*) AS n FROM audit_findings WHERE audit_id = ?');
    this.completeStmt = db.prepare("UPDATE audits SET state = 'completed', report = ?, report_sha256 = ?, ended_at = ?, leaf_index = ? WHERE id = ?");
    this.failStmt = db.prepare("UPDATE audits SET state = 'failed', error = ?, ended_at = ? WHERE id = ?");
    this.evidenceStmt = db.prepare('SELECT id FROM evidence ORDER BY leaf_index');
    this.evidenceSinceStmt = db.prepare('SELECT id FROM evidence WHERE received_at >= ? ORDER BY leaf_index');
    this.evidenceOfCaseStmt = db.prepare('SELECT DISTINCT evidence_id AS id FROM case_evidence WHERE case_code = ? AND detached_at IS NULL');
    this.recordingsStmt = db.prepare('SELECT id FROM recordings ORDER BY started_leaf');
    this.recordingsSinceStmt = db.prepare('SELECT id FROM recordings WHERE created_at >= ? ORDER BY started_leaf');
  }

  create(id: string, scope: AuditScope, requestedBy: AuditRow['requestedBy'], at: string): AuditRow {
    this.insertStmt.run(id, JSON.stringify(scope), JSON.stringify(requestedBy), at);
    return this.byId(id)!;
  }

  byId(id: string): AuditRow | null {
    const row = this.byIdStmt.get(id);
    return row ? toRow(row) : null;
  }

  list(limit = 50): AuditRow[] {
    return this.listStmt.all(limit).map(toRow);
  }

  /** Audits a restart must resume. */
  unfinished(): AuditRow[] {
    return this.unfinishedStmt.all().map(toRow);
  }

  /** Fixes the items in scope once; a resumed audit keeps the list it started with. */
  start(id: string, items: string[], at: string): void {
    this.startStmt.run(JSON.stringify(items), items.length, at, id);
  }

  /** Saves the findings of one item and the progress past it, together. */
  readonly recordItem = (id: string, done: number, bytes: number, findings: readonly Finding[]): void => {
    this.db.transaction(() => {
      let seq = this.countFindingsStmt.get(id)!.n;
      for (const finding of findings) this.findingStmt.run(id, seq++, JSON.stringify(finding));
      this.progressStmt.run(done, bytes, id);
    })();
  };

  findings(id: string): Finding[] {
    return this.findingsStmt.all(id).map((r) => JSON.parse(r.finding) as Finding);
  }

  complete(id: string, report: string, reportSha256: string, at: string, leafIndex: number): void {
    this.completeStmt.run(report, reportSha256, at, leafIndex, id);
  }

  fail(id: string, error: string, at: string): void {
    this.failStmt.run(error, at, id);
  }

  /** Live recordings in scope (a case holds evidence, not recordings). */
  recordingIds(scope: AuditScope): string[] {
    if (scope.kind === 'case') return [];
    return (scope.kind === 'since' ? this.recordingsSinceStmt.all(scope.since) : this.recordingsStmt.all()).map((r) => r.id);
  }

  evidenceIds(scope: AuditScope): string[] {
    switch (scope.kind) {
      case 'since':
        return this.evidenceSinceStmt.all(scope.since).map((r) => r.id);
      case 'case':
        return this.evidenceOfCaseStmt.all(scope.caseCode).map((r) => r.id);
      default:
        return this.evidenceStmt.all().map((r) => r.id);
    }
  }
}
