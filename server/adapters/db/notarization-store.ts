/** Notary certificates by the evidence leaf they certify (the notary.certified events themselves are in the log). */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { canonicalize } from '../../core/jcs';
import type { NotarizationStatement } from '../../core/notarization';

export interface NotarizationRow {
  leafIndex: number;
  evidenceId: string;
  statement: NotarizationStatement;
  signature: string;
}

interface DbRow {
  leaf_index: number;
  evidence_id: string;
  statement: string;
  signature: string;
}

const toRow = (r: DbRow): NotarizationRow => ({ leafIndex: r.leaf_index, evidenceId: r.evidence_id, statement: JSON.parse(r.statement) as NotarizationStatement, signature: r.signature });

export class NotarizationStore {
  private readonly insertStmt: Statement<[number, string, number, string, string, number, string, string]>;
  private readonly forLeafStmt: Statement<[number], DbRow>;
  private readonly existsStmt: Statement<[string, string], { n: number }>;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      'INSERT INTO notarizations (leaf_index, evidence_id, evidence_leaf, notary_address, certificate_number, tree_size, statement, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.forLeafStmt = db.prepare('SELECT leaf_index, evidence_id, statement, signature FROM notarizations WHERE evidence_leaf = ? ORDER BY leaf_index');
    this.existsStmt = db.prepare('SELECT count(*) AS n FROM notarizations WHERE notary_address = ? AND certificate_number = ?');
  }

  /** Requires the caller's transaction (which appends the notary.certified event at leafIndex). */
  insert(leafIndex: number, statement: NotarizationStatement, signature: string): void {
    const { evidence, notary, certificateNumber, head } = statement;
    this.insertStmt.run(leafIndex, evidence.evidenceId, evidence.leafIndex, notary.address, certificateNumber, head.treeSize, canonicalize(statement), signature);
  }

  /** Certificates of the evidence logged at `evidenceLeaf`, oldest first. */
  forEvidenceLeaf(evidenceLeaf: number): NotarizationRow[] {
    return this.forLeafStmt.all(evidenceLeaf).map(toRow);
  }

  exists(notaryAddress: string, certificateNumber: string): boolean {
    return this.existsStmt.get(notaryAddress, certificateNumber)!.n > 0;
  }
}
