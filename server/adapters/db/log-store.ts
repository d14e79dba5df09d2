/**
 * The Merkle log in SQLite. Appending writes the leaf and the complete subtrees
 * it closes (at most log2(n) rows); roots and proofs then read O(log n) rows.
 *
 * Invariant: a leaf, once appended, never changes, and the log only grows.
 * `append` must run inside the caller's transaction so that a leaf and the
 * record it proves are written together or not at all.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { canonicalize } from '../../core/jcs';
import { computeLeafHash, type LogEvent } from '../../core/events';
import type { Hash } from '../../core/hash';
import {
  computeCompletedSubtrees,
  computeConsistencyProof,
  computeInclusionProof,
  computeRoot,
  type SubtreeReader,
} from '../../core/merkle';

export interface LogEntry {
  leafIndex: number;
  leafHash: Hash;
  /** Canonical JSON text of the event. */
  event: string;
  appendedAt: string;
}

export class LogStore implements SubtreeReader {
  private readonly sizeStmt: Statement<[], { size: number }>;
  private readonly leafHashStmt: Statement<[number], { leaf_hash: Buffer }>;
  private readonly nodeStmt: Statement<[number, number], { hash: Buffer }>;
  private readonly insertLeafStmt: Statement<[number, Buffer, string, string]>;
  private readonly insertNodeStmt: Statement<[number, number, Buffer]>;
  private readonly entriesStmt: Statement<[number, number], { leaf_index: number; leaf_hash: Buffer; event: string; appended_at: string }>;

  constructor(private readonly db: Db) {
    this.sizeStmt = db.prepare('SELECT coalesce(max(leaf_index) + 1, 0) AS size FROM log_leaves');
    this.leafHashStmt = db.prepare('SELECT leaf_hash FROM log_leaves WHERE leaf_index = ?');
    this.nodeStmt = db.prepare('SELECT hash FROM log_nodes WHERE level = ? AND node_index = ?');
    this.insertLeafStmt = db.prepare('INSERT INTO log_leaves (leaf_index, leaf_hash, event, appended_at) VALUES (?, ?, ?, ?)');
    this.insertNodeStmt = db.prepare('INSERT INTO log_nodes (level, node_index, hash) VALUES (?, ?, ?)');
    this.entriesStmt = db.prepare(
      'SELECT leaf_index, leaf_hash, event, appended_at FROM log_leaves WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index',
    );
  }

  size(): number {
    return this.sizeStmt.get()!.size;
  }

  subtreeHash(level: number, index: number): Hash {
    const row = level === 0 ? this.leafHashStmt.get(index)?.leaf_hash : this.nodeStmt.get(level, index)?.hash;
    // A missing row inside the tree means the store was damaged: never invent a hash.
    if (!row) throw new Error(`log store is missing the subtree hash at level ${level}, index ${index}`);
    return new Uint8Array(row);
  }

  /** Appends one event. Requires an open transaction (see class comment). Returns its index and leaf hash. */
  append(event: LogEvent, appendedAt: string): { leafIndex: number; leafHash: Hash } {
    if (!this.db.inTransaction) throw new Error('LogStore.append must run inside a transaction');
    const leafIndex = this.size();
    const leafHash = computeLeafHash(event);
    this.insertLeafStmt.run(leafIndex, Buffer.from(leafHash), canonicalize(event), appendedAt);
    for (const node of computeCompletedSubtrees(this, leafIndex, leafHash)) {
      this.insertNodeStmt.run(node.level, node.index, Buffer.from(node.hash));
    }
    return { leafIndex, leafHash };
  }

  leafHash(leafIndex: number): Hash | null {
    const row = this.leafHashStmt.get(leafIndex);
    return row ? new Uint8Array(row.leaf_hash) : null;
  }

  /** Entries [start, end), in order. */
  entries(start: number, end: number): LogEntry[] {
    return this.entriesStmt.all(start, end).map((row) => ({
      leafIndex: row.leaf_index,
      leafHash: new Uint8Array(row.leaf_hash),
      event: row.event,
      appendedAt: row.appended_at,
    }));
  }

  root(treeSize: number): Hash {
    return computeRoot(this, treeSize);
  }

  inclusionProof(leafIndex: number, treeSize: number): Hash[] {
    return computeInclusionProof(this, leafIndex, treeSize);
  }

  consistencyProof(size1: number, size2: number): Hash[] {
    return computeConsistencyProof(this, size1, size2);
  }
}
