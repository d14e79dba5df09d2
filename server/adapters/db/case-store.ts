/** Cases and the evidence attached to them; each row written with its logged event. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { canonicalize } from '../../core/jcs';
import type { CaseOpenedEvent } from '../../core/case-events';

import type { CaseStatus } from '../../core/case-events';

export interface CaseRow {
  code: string;
  actionType: string;
  unit: string;
  status: CaseStatus;
  event: string;
  leafIndex: number;
  openedAt: string;
}

export interface AttachmentRow {
  caseCode: string;
  evidenceId: string;
  attachedAt: string;
  attachLeaf: number;
  detachedAt: string | null;
  detachLeaf: number | null;
}

interface CaseDbRow {
  code: string;
  action_type: string;
  unit: string;
  status: CaseStatus;
  event: string;
  leaf_index: number;
  opened_at: string;
}

interface AttachmentDbRow {
  case_code: string;
  evidence_id: string;
  attached_at: string;
  attach_leaf: number;
  detached_at: string | null;
  detach_leaf: number | null;
}

const toCase = (r: CaseDbRow): CaseRow => ({ code: r.code, actionType: r.action_type, unit: r.unit, status: r.status, event: r.event, leafIndex: r.leaf_index, openedAt: r.opened_at });
const toAttachment = (r: AttachmentDbRow): AttachmentRow => ({
  caseCode: r.case_code,
  evidenceId: r.evidence_id,
  attachedAt: r.attached_at,
  attachLeaf: r.attach_leaf,
  detachedAt: r.detached_at,
  detachLeaf: r.detach_leaf,
});

export class CaseStore {
  private readonly byCodeStmt: Statement<[string], CaseDbRow>;
  private readonly nextSequenceStmt: Statement<[string, string, string], { next: number }>;
  private readonly insertStmt: Statement<[string, string, string, string, number, string, string, number, string]>;
  private readonly attachmentsStmt: Statement<[string], AttachmentDbRow>;
  private readonly activeStmt: Statement<[string, string], AttachmentDbRow>;
  private readonly attachStmt: Statement<[string, string, string, number]>;
  private readonly detachStmt: Statement<[string, number, string, string]>;
  private readonly statusStmt: Statement<[string, string, string]>;

  constructor(db: Db) {
    this.byCodeStmt = db.prepare('SELECT * FROM cases WHERE code = ?');
    this.nextSequenceStmt = db.prepare('SELECT coalesce(max(sequence), 0) + 1 AS next FROM cases WHERE unit = ? AND action_type = ? AND date = ?');
    this.insertStmt = db.prepare('INSERT INTO cases (code, action_type, unit, date, sequence, status, event, leaf_index, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.attachmentsStmt = db.prepare('SELECT * FROM case_evidence WHERE case_code = ? ORDER BY attach_leaf');
    this.activeStmt = db.prepare('SELECT * FROM case_evidence WHERE case_code = ? AND evidence_id = ? AND detached_at IS NULL');
    this.attachStmt = db.prepare('INSERT INTO case_evidence (case_code, evidence_id, attached_at, attach_leaf) VALUES (?, ?, ?, ?)');
    this.statusStmt = db.prepare('UPDATE cases SET status = ? WHERE code = ? AND status = ?');
    this.detachStmt = db.prepare('UPDATE case_evidence SET detached_at = ?, detach_leaf = ? WHERE case_code = ? AND evidence_id = ? AND detached_at IS NULL');
  }

  byCode(code: string): CaseRow | null {
    const row = this.byCodeStmt.get(code);
    return row ? toCase(row) : null;
  }

  /** The next sequence for (unit, type, day). Call inside the transaction that inserts the case: SQLite serializes writers. */
  nextSequence(unit: string, actionType: string, date: string): number {
    return this.nextSequenceStmt.get(unit, actionType, date)!.next;
  }

  /** Requires the caller's transaction (which appends the case.opened event). */
  insert(event: CaseOpenedEvent, date: string, sequence: number, leafIndex: number): void {
    this.insertStmt.run(event.code, event.actionType, event.unit, date, sequence, 'open', canonicalize(event), leafIndex, event.openedAt);
  }

  attachments(code: string): AttachmentRow[] {
    return this.attachmentsStmt.all(code).map(toAttachment);
  }

  activeAttachment(code: string, evidenceId: string): AttachmentRow | null {
    const row = this.activeStmt.get(code, evidenceId);
    return row ? toAttachment(row) : null;
  }

  attach(code: string, evidenceId: string, at: string, leafIndex: number): void {
    this.attachStmt.run(code, evidenceId, at, leafIndex);
  }

  /** Compare-and-set: false if the status changed meanwhile. */
  setStatus(code: string, from: CaseStatus, to: CaseStatus): boolean {
    return this.statusStmt.run(to, code, from).changes === 1;
  }

  detach(code: string, evidenceId: string, at: string, leafIndex: number): void {
    this.detachStmt.run(at, leafIndex, code, evidenceId);
  }
}
