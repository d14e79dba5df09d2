/** An index of custody events by evidence and case, so a history is O(its length), not a scan of the log. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';

export class CustodyStore {
  private readonly insertStmt: Statement<[number, string | null, string | null, string, string]>;
  private readonly byEvidenceStmt: Statement<[string], { leaf_index: number }>;
  private readonly byCaseStmt: Statement<[string], { leaf_index: number }>;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO custody_index (leaf_index, evidence_id, case_code, type, at) VALUES (?, ?, ?, ?, ?)');
    this.byEvidenceStmt = db.prepare('SELECT leaf_index FROM custody_index WHERE evidence_id = ? ORDER BY leaf_index');
    this.byCaseStmt = db.prepare('SELECT leaf_index FROM custody_index WHERE case_code = ? ORDER BY leaf_index');
  }

  /** Requires the caller's transaction (which appends the event at leafIndex). Custody, package and notary events. */
  index(event: { type: string; at: string; evidenceId?: string; caseCode?: string }, leafIndex: number): void {
    this.insertStmt.run(leafIndex, event.evidenceId ?? null, event.caseCode ?? null, event.type, event.at);
  }

  leavesForEvidence(evidenceId: string): number[] {
    return this.byEvidenceStmt.all(evidenceId).map((r) => r.leaf_index);
  }

  leavesForCase(code: string): number[] {
    return this.byCaseStmt.all(code).map((r) => r.leaf_index);
  }
}
