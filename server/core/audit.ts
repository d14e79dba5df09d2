/**
 * Integrity audit, the pure part: findings, and the audit of the log itself
 * against what the chain holds. An audit never repairs anything: it says what
 * is wrong, where, expected vs found, and what to do.
 *
 * Each fault is reported once, at its source: a consequence (every root after
 * a missing leaf, every later head after a fork) is not reported again, so a
 * report names exactly what was altered.
 */
import { computeLeafHash, parseLogEvent } from './events';
import { toHex, parseHash } from './hex';
import { MemoryTree, computeConsistencyProof, verifyConsistency } from './merkle';

export type AuditCheck =
  /** The bytes in IPFS hash to the logged SHA-256 (every block also matches its CID). */
  | 'bytes'
  /** The database record agrees with its logged event, and the event hashes to its leaf. */
  | 'record'
  /** A stored log entry's event hashes to its stored leaf hash. */
  | 'leaf'
  /** The log has every entry up to its size. */
  | 'log-entry'
  /** The item's leaf is included in the latest anchored head. */
  | 'inclusion'
  /** The log is consistent with every head anchored on chain. */
  | 'consistency'
  /** The contract holds the roots this service anchored. */
  | 'chain-root'
  /** A rendition's derivation names an existing original. */
  | 'derivation'
  /** A live recording's segments form an unbroken chain. */
  | 'segment-chain';

export interface Finding {
  /** What is affected, e.g. "evidence ev_…", "rendition ev_…/playback", "log leaf 12", "anchored head 40". */
  item: string;
  check: AuditCheck;
  message: string;
  expected?: string;
  found?: string;
  /** What a person should do: audits never repair by themselves. */
  action: string;
}

export interface StoredLeaf {
  leafIndex: number;
  leafHash: Uint8Array;
  event: string;
}

export interface HeadObservation {
  treeSize: number;
  /** What this service recorded having anchored. */
  recordedRoot: string;
  /** What the contract holds at that size (null: never anchored there). */
  chainRoot: string | null;
}

export interface LogAudit {
  findings: Finding[];
  /** The tree rebuilt from the stored leaf hashes, up to the first missing entry. */
  tree: MemoryTree;
  /** Leaves that are missing or whose event does not hash to them: item checks skip them (already reported). */
  damagedLeaves: Set<number>;
  /** The latest head that the chain confirms and the log is consistent with, if any. */
  trustedHead: { treeSize: number; rootHash: string } | null;
}

const RESTORE = 'restore the log from a backup or a mirror (custos audit verify-log), then audit again; keep this report';

/** Rebuilds the tree from stored leaves and checks it against the heads anchored on chain. */
export function auditLog(leaves: Iterable<StoredLeaf>, size: number, heads: readonly HeadObservation[]): LogAudit {
  const findings: Finding[] = [];
  const damagedLeaves = new Set<number>();
  const tree = new MemoryTree();
  let expected = 0;
  let gap = false;
  for (const leaf of leaves) {
    for (; expected < leaf.leafIndex; expected++) {
      damagedLeaves.add(expected);
      gap = true;
      findings.push({ item: `log leaf ${expected}`, check: 'log-entry', message: `log entry ${expected} is missing`, action: RESTORE });
    }
    expected = leaf.leafIndex + 1;
    let recomputed: string;
    try {
      recomputed = toHex(computeLeafHash(parseLogEvent(JSON.parse(leaf.event))));
    } catch {
      recomputed = '(not a valid event)';
    }
    if (recomputed !== toHex(leaf.leafHash)) {
      damagedLeaves.add(leaf.leafIndex);
      findings.push({
        item: `log leaf ${leaf.leafIndex}`,
        check: 'leaf',
        message: `the stored event of leaf ${leaf.leafIndex} does not hash to its leaf: the event was edited`,
        expected: toHex(leaf.leafHash),
        found: recomputed,
        action: RESTORE,
      });
    }
    // The stored hash goes into the tree: an edited event is reported once, above, not at every root after it.
    if (!gap) tree.append(leaf.leafHash);
  }
  for (; expected < size; expected++) {
    damagedLeaves.add(expected);
    findings.push({ item: `log leaf ${expected}`, check: 'log-entry', message: `log entry ${expected} is missing`, action: RESTORE });
  }

  let trustedHead: LogAudit['trustedHead'] = null;
  let forked = false;
  let previous: { treeSize: number; rootHash: string } | null = null;
  for (const head of [...heads].sort((a, b) => a.treeSize - b.treeSize)) {
    const item = `anchored head ${head.treeSize}`;
    if (head.chainRoot !== head.recordedRoot) {
      findings.push({
        item,
        check: 'chain-root',
        message: head.chainRoot === null ? `the contract has no head of size ${head.treeSize}, which this service anchored` : `the contract holds another root at size ${head.treeSize} than this service anchored`,
        expected: head.recordedRoot,
        found: head.chainRoot ?? '(none)',
        action: 'check the configured chain and contract address; if they are right, the chain record was replaced: escalate',
      });
      continue;
    }
    if (forked || head.treeSize > tree.size) continue; // reported already: a fork, or the missing entries
    const logRoot = toHex(tree.root(head.treeSize));
    const consistent =
      logRoot === head.chainRoot &&
      (previous === null ||
        verifyConsistency(previous.treeSize, head.treeSize, parseHash(previous.rootHash), parseHash(head.chainRoot), computeConsistencyProof(tree, previous.treeSize, head.treeSize)).ok);
    if (!consistent) {
      forked = true;
      findings.push({
        item,
        check: 'consistency',
        message: `the log's root at size ${head.treeSize} is not the root anchored on chain: the log's history was rewritten`,
        expected: head.chainRoot,
        found: logRoot,
        action: RESTORE,
      });
      continue;
    }
    previous = { treeSize: head.treeSize, rootHash: head.chainRoot };
    trustedHead = previous;
  }
  return { findings, tree, damagedLeaves, trustedHead };
}
