/**
 * The heads this service has seen confirmed on the chain. Only a cache of what
 * the chain proves: verification always reads the chain itself, and the
 * anchorer reconciles this table with the chain at start-up.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';

export interface AnchorRecord {
  treeSize: number;
  rootHash: string;
  chainId: number;
  contract: string;
  txHash: string;
  blockNumber: number;
  /** block.timestamp, seconds. */
  anchoredAt: number;
}

interface Row {
  tree_size: number;
  root_hash: string;
  chain_id: number;
  contract: string;
  tx_hash: string;
  block_number: number;
  anchored_at: number;
}

const toAnchor = (row: Row): AnchorRecord => ({
  treeSize: row.tree_size,
  rootHash: row.root_hash,
  chainId: row.chain_id,
  contract: row.contract,
  txHash: row.tx_hash,
  blockNumber: row.block_number,
  anchoredAt: row.anchored_at,
});

export class AnchorStore {
  private readonly latestStmt: Statement<[], Row>;
  private readonly atStmt: Statement<[number], Row>;
  private readonly insertStmt: Statement<[number, string, number, string, string, number, number]>;
  private readonly deleteFromStmt: Statement<[number]>;
  private readonly deleteAllStmt: Statement<[]>;
  private readonly allStmt: Statement<[], Row>;

  constructor(db: Db) {
    this.latestStmt = db.prepare('SELECT * FROM anchors ORDER BY tree_size DESC LIMIT 1');
    this.atStmt = db.prepare('SELECT * FROM anchors WHERE tree_size = ?');
    this.insertStmt = db.prepare(
      'INSERT OR REPLACE INTO anchors (tree_size, root_hash, chain_id, contract, tx_hash, block_number, anchored_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.deleteFromStmt = db.prepare('DELETE FROM anchors WHERE tree_size > ?');
    this.deleteAllStmt = db.prepare('DELETE FROM anchors');
    this.allStmt = db.prepare('SELECT * FROM anchors ORDER BY tree_size');
  }

  latest(): AnchorRecord | null {
    const row = this.latestStmt.get();
    return row ? toAnchor(row) : null;
  }

  at(treeSize: number): AnchorRecord | null {
    const row = this.atStmt.get(treeSize);
    return row ? toAnchor(row) : null;
  }

  /** Every head this service anchored, oldest first (audits check each against the chain). */
  all(): AnchorRecord[] {
    return this.allStmt.all().map(toAnchor);
  }

  record(anchor: AnchorRecord): void {
    this.insertStmt.run(anchor.treeSize, anchor.rootHash, anchor.chainId, anchor.contract, anchor.txHash, anchor.blockNumber, anchor.anchoredAt);
  }

  /** Forgets heads the chain no longer has (e.g. an embedded chain that lost state), so they are anchored again. */
  forgetAbove(treeSize: number): void {
    this.deleteFromStmt.run(treeSize);
  }

  forgetAll(): void {
    this.deleteAllStmt.run();
  }
}
