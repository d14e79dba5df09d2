/** Review decisions per case, in log order (the events themselves are in the log). */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import type { ReviewDecision } from '../../core/review';

interface ReviewDbRow {
  leaf_index: number;
  round: number;
  stage_index: number;
  decision: 'approve' | 'reject';
  token_id: string;
  evidence_ids: string;
  at: string;
}

export class ReviewStore {
  private readonly insertStmt: Statement<[number, string, number, number, string, string, string, string]>;
  private readonly forCaseStmt: Statement<[string], ReviewDbRow>;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO case_reviews (leaf_index, case_code, round, stage_index, decision, token_id, evidence_ids, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.forCaseStmt = db.prepare('SELECT * FROM case_reviews WHERE case_code = ? ORDER BY leaf_index');
  }

  /** Requires the caller's transaction (which appends the custody.review event). */
  insert(caseCode: string, d: ReviewDecision): void {
    this.insertStmt.run(d.leafIndex, caseCode, d.round, d.stageIndex, d.decision, d.tokenId, JSON.stringify(d.evidenceIds), d.at);
  }

  forCase(code: string): ReviewDecision[] {
    return this.forCaseStmt.all(code).map((r) => ({
      leafIndex: r.leaf_index,
      round: r.round,
      stageIndex: r.stage_index,
      decision: r.decision,
      tokenId: r.token_id,
      evidenceIds: JSON.parse(r.evidence_ids) as string[],
      at: r.at,
    }));
  }
}
