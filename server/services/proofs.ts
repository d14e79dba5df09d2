/** Proof bundles, built from the log store (O(log n) reads) and the latest anchored head. */
import { toHex } from '../core/hex';
import { PROOF_BUNDLE_VERSION, type ProofBundle } from '../core/proof-bundle';
import type { LogEvent } from '../core/events';
import type { AnchorStore } from '../adapters/db/anchor-store';
import type { LogStore } from '../adapters/db/log-store';
import { anchorView, isAnchored } from './evidence-view';

export type BundleResult = { status: 'anchored'; bundle: ProofBundle } | { status: 'pending'; leafIndex: number };

import type { NotarizationProof } from '../core/notarization';

export function createProofs({ log, anchors, notarizationsFor = () => [] }: { log: LogStore; anchors: AnchorStore; notarizationsFor?: (leafIndex: number) => NotarizationProof[] }) {
  /** The bundle of any logged record: evidence, its probe, a rendition. */
  return function buildProofBundle(record: { leafIndex: number; event: string }): BundleResult {
    const head = anchors.latest();
    if (!isAnchored(record, head)) return { status: 'pending', leafIndex: record.leafIndex };
    // The event comes from the evidence record, the leaf hash from the log: an
    // edited record then no longer matches its leaf, and verification says so.
    const leafHash = log.leafHash(record.leafIndex);
    const { chainId, contract, txHash, blockNumber, anchoredAt } = anchorView(head);
    const bundle: ProofBundle = {
      version: PROOF_BUNDLE_VERSION,
      event: JSON.parse(record.event) as LogEvent,
      leafIndex: record.leafIndex,
      leafHash: leafHash ? toHex(leafHash) : '',
      treeSize: head.treeSize,
      rootHash: head.rootHash,
      inclusionProof: log.inclusionProof(record.leafIndex, head.treeSize).map(toHex),
      anchor: { chainId, contract, txHash, blockNumber, anchoredAt },
    };
    const notarizations = notarizationsFor(record.leafIndex);
    if (notarizations.length > 0) bundle.notarizations = notarizations;
    return { status: 'anchored', bundle };
  };
}

export type BuildProofBundle = ReturnType<typeof createProofs>;
