/** Cases shared with court accounts; each row written with its logged custody.share / custody.unshare event. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';

export interface ShareRow {
  id: string;
  caseCode: string;
  courtTokenId: string;
  expiresAt: string;
  createdAt: string;
  shareLeaf: number;
  revokedAt: string | null;
  revokeLeaf: number | null;
}

interface ShareDbRow {
  id: string;
  case_code: string;
  court_token_id: string;
  expires_at: string;
  created_at: string;
  share_leaf: number;
  revoked_at: string | null;
  revoke_leaf: number | null;
}

const toShare = (r: ShareDbRow): ShareRow => ({
  id: r.id,
  caseCode: r.case_code,
  courtTokenId: r.court_token_id,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  shareLeaf: r.share_leaf,
  revokedAt: r.revoked_at,
  revokeLeaf: r.revoke_leaf,
});

export class ShareStore {
  private readonly insertStmt: Statement<[string, string, string, string, string, number]>;
  private readonly byIdStmt: Statement<[string], ShareDbRow>;
  private readonly forCaseStmt: Statement<[string], ShareDbRow>;
  private readonly activeStmt: Statement<[string, string, string], { n: number }>;
  private readonly activeForEvidenceStmt: Statement<[string, string, string], { n: number }>;
  private readonly revokeStmt: Statement<[string, number, string]>;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO case_shares (id, case_code, court_token_id, expires_at, created_at, share_leaf) VALUES (?, ?, ?, ?, ?, ?)');
    this.byIdStmt = db.prepare('SELECT * FROM case_shares WHERE id = ?');
    this.forCaseStmt = db.prepare('SELECT * FROM case_shares WHERE case_code = ? ORDER BY share_leaf');
    this.activeStmt = db.prepare('SELECT count(*) AS n FROM case_shares WHERE court_token_id = ? AND case_code = ? AND revoked_at IS NULL AND expires_at > ?');
    // ISO times in UTC ('…Z') compare correctly as text.
    this.activeForEvidenceStmt = db.prepare(`
      SELECT count(*) AS n FROM case_shares s JOIN case_evidence e ON e.case_code = s.case_code
      WHERE s.court_token_id = ? AND e.evidence_id = ? AND e.detached_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > ?`);
    this.revokeStmt = db.prepare('UPDATE case_shares SET revoked_at = ?, revoke_leaf = ? WHERE id = ? AND revoked_at IS NULL');
  }

  /** Requires the caller's transaction (which appends the custody.share event). */
  insert(share: Omit<ShareRow, 'revokedAt' | 'revokeLeaf'>): void {
    this.insertStmt.run(share.id, share.caseCode, share.courtTokenId, share.expiresAt, share.createdAt, share.shareLeaf);
  }

  byId(id: string): ShareRow | null {
    const row = this.byIdStmt.get(id);
    return row ? toShare(row) : null;
  }

  forCase(code: string): ShareRow[] {
    return this.forCaseStmt.all(code).map(toShare);
  }

  /** Whether the court account holds a live share of the case at `now` (ISO, UTC). */
  caseSharedWith(courtTokenId: string, code: string, now: string): boolean {
    return this.activeStmt.get(courtTokenId, code, now)!.n > 0;
  }

  /** Whether the evidence is attached to a case the court account holds a live share of. */
  evidenceSharedWith(courtTokenId: string, evidenceId: string, now: string): boolean {
    return this.activeForEvidenceStmt.get(courtTokenId, evidenceId, now)!.n > 0;
  }

  /** Compare-and-set: false if it was already revoked. Requires the caller's transaction. */
  revoke(id: string, at: string, leafIndex: number): boolean {
    return this.revokeStmt.run(at, leafIndex, id).changes === 1;
  }
}
