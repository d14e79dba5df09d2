/**
 * Verification of a proof bundle: pure, and every check reported (never only
 * the first failure). The caller gathers what lives outside the bundle — the
 * SHA-256 of the file at hand and what the chain says — and this module
 * decides. `ok` is true only if every check passed.
 */
import { bytesEqual, parseHash, toHex } from './hex';
import { computeLeafHash, type EvidenceIngestedEvent } from './events';
import { keyId, verifyDeviceSignature } from './device-signature';
import type { SegmentRecordedEvent } from './recording-events';
import { formatChainTime, type ProofBundle } from './proof-bundle';
import { verifyInclusion } from './merkle';
import { verifyReviewSignature } from './review-signature';
import type { CustodyEvent } from './case-events';
import { failed, pass, type Check, type CheckName } from './checks';

export type { Check, CheckName } from './checks';
export { failed, pass } from './checks';

export interface VerificationResult {
  ok: boolean;
  checks: Check[];
  /** For a rendition's bundle: the verification of the original's bundle it carries. */
  derivedFrom?: VerificationResult;
}

/** What the chain said about the bundle's anchor, read by an adapter from the chain itself. */
export interface ChainObservation {
  chainId: number;
  contract: string;
  /** headAt(bundle.treeSize) on the contract; null if that size was never anchored. */
  head: { rootHash: string; anchoredAt: number } | null;
  /** The TreeHeadAnchored event for bundle.treeSize; null if none was found. */
  anchorTx: { txHash: string; blockNumber: number } | null;
  /** The contract's own verifyInclusion(leafHash, leafIndex, treeSize, proof). */
  contractVerifiesInclusion: boolean;
}

export type ChainEvidence = { reachable: true; observation: ChainObservation } | { reachable: false; message: string };

export interface VerifyBundleInput {
  /** Lowercase hex SHA-256 of the file being verified; omit to check the bundle alone. */
  contentSha256?: string;
  chain: ChainEvidence;
}

/**
 * Links a rendition's bundle to its original's: the derivation event names the
 * original by id and SHA-256, and the original's bundle (verified on its own)
 * must be that original's ingest event.
 */
export function derivationCheck(bundle: ProofBundle, original: VerificationResult | undefined): Check {
  const event = bundle.event as { type: string; derivedFrom?: { evidenceId: string; sha256: string } };
  if (event.type !== 'evidence.derived' || !event.derivedFrom) {
    return failed('derived-from', 'NOT_A_DERIVATION', `a ${event.type} event is not derived from anything, yet the bundle carries derivedFrom`);
  }
  const { evidenceId, sha256 } = event.derivedFrom;
  const originalEvent = bundle.derivedFrom?.event as { type?: string; evidenceId?: string; sha256?: string } | undefined;
  if (!bundle.derivedFrom || !original) {
    return failed('derived-from', 'ORIGINAL_PROOF_MISSING', `made from evidence ${evidenceId}, but the bundle does not carry that original's proof`);
  }
  if (originalEvent?.type !== 'evidence.ingested' || originalEvent.evidenceId !== evidenceId || originalEvent.sha256 !== sha256) {
    return failed('derived-from', 'ORIGINAL_MISMATCH', 'the enclosed original proof is not of the original this rendition names', `${evidenceId} ${sha256}`, `${originalEvent?.evidenceId} ${originalEvent?.sha256}`);
  }
  if (!original.ok) {
    const failing = original.checks.filter((c) => !c.ok).map((c) => c.code ?? c.check);
    return failed('derived-from', 'ORIGINAL_NOT_VERIFIED', `made from evidence ${evidenceId}, but that original's proof fails: ${failing.join(', ')}`);
  }
  return pass('derived-from', `made from evidence ${evidenceId} (sha256 ${sha256}), whose own proof verifies`);
}

/**
 * The recorder's signature inside an ingest event, over the event's own sha256
 * and metadata. It shows which key signed at the source; that the key belongs
 * to the device is shown by the device.registered event in the same log.
 * An unsigned upload (an officer's manual upload) passes, and says so.
 */
export function deviceSignatureCheck(event: EvidenceIngestedEvent): Check {
  const signature = event.deviceSignature;
  if (!signature) return pass('device-signature', `not signed by a device: a manual upload by ${event.uploader.role} "${event.uploader.name}"`);
  const key = keyId(signature.publicKey);
  return verifyDeviceSignature(signature, event.sha256, event.metadata)
    ? pass('device-signature', `signed at the source by device ${event.metadata.deviceId} (ed25519 key ${key})`)
    : failed('device-signature', 'DEVICE_SIGNATURE_INVALID', `the signature does not verify with device ${event.metadata.deviceId}'s key ${key} over this sha256 and metadata`);
}

/** A review decision's signature by the deciding account's key, over the decision and the evidence set it covers. */
export function reviewSignatureCheck(event: CustodyEvent): Check {
  const review = event.review;
  const caseCode = event.caseCode;
  if (!review || !caseCode) return failed('review-signature', 'NOT_A_REVIEW', 'a custody.review event without its review');
  if (!review.signature) return pass('review-signature', `not signed: an unsigned decision by ${event.actor.role} "${event.actor.name}" (the service did not require signatures)`);
  const statement = { caseCode, round: review.round, stage: review.stage, decision: review.decision, ...(review.reason ? { reason: review.reason } : {}), evidenceIds: review.evidenceIds };
  return verifyReviewSignature(review.signature.publicKey, review.signature.value, statement)
    ? pass('review-signature', `${review.decision} of stage ${review.stage} signed by ${event.actor.name}'s key ${keyId(review.signature.publicKey)}`)
    : failed('review-signature', 'REVIEW_SIGNATURE_INVALID', `the decision's signature does not verify with key ${keyId(review.signature.publicKey)}`);
}

/** A live segment's signature, over its SHA-256 and its place in the chain (recording, sequence, previous hash). */
export function segmentSignatureCheck(event: SegmentRecordedEvent): Check {
  const signature = event.deviceSignature;
  const { deviceId, sequence, recordingId } = event.segment;
  if (!signature) return pass('device-signature', `segment ${sequence} of ${recordingId} is not signed by a device`);
  return verifyDeviceSignature(signature, event.sha256, event.segment)
    ? pass('device-signature', `segment ${sequence} of ${recordingId}, signed at the source by device ${deviceId} (ed25519 key ${keyId(signature.publicKey)})`)
    : failed('device-signature', 'DEVICE_SIGNATURE_INVALID', `segment ${sequence}'s signature does not verify over its hash and place in the chain`);
}

function result(checks: Check[]): VerificationResult {
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks };
}

/** Whether a file's SHA-256 (`found`) is the one a record holds (`recorded`). */
export function contentHashCheck(recorded: string, found: string): Check {
  return recorded === found
    ? pass('content-hash', 'the file’s SHA-256 matches the recorded one')
    : failed('content-hash', 'CONTENT_HASH_MISMATCH', 'the file’s SHA-256 differs from the recorded one', recorded, found);
}

export function verifyProofBundle(bundle: ProofBundle, input: VerifyBundleInput): VerificationResult {
  const checks: Check[] = [pass('bundle-format', `${bundle.version} bundle for leaf ${bundle.leafIndex} of ${bundle.treeSize}`)];

  if (input.contentSha256 !== undefined) {
    const { sha256 } = bundle.event as { sha256?: unknown };
    const recorded = typeof sha256 === 'string' ? sha256 : undefined;
    if (recorded === undefined) checks.push(failed('content-hash', 'NO_CONTENT_HASH', `a ${bundle.event.type} event records no file hash`));
    else checks.push(contentHashCheck(recorded, input.contentSha256));
  }

  if (bundle.event.type === 'evidence.ingested') checks.push(deviceSignatureCheck(bundle.event as EvidenceIngestedEvent));
  if (bundle.event.type === 'segment.recorded') checks.push(segmentSignatureCheck(bundle.event as SegmentRecordedEvent));
  if (bundle.event.type === 'custody.review') checks.push(reviewSignatureCheck(bundle.event as CustodyEvent));

  // The leaf is recomputed from the event; the bundle's own leafHash is only compared, never trusted.
  const leafHash = computeLeafHash(bundle.event);
  if (toHex(leafHash) === bundle.leafHash) checks.push(pass('leaf-hash', 'the event hashes to the logged leaf'));
  else checks.push(failed('leaf-hash', 'LEAF_HASH_MISMATCH', 'the event does not hash to the logged leaf', bundle.leafHash, toHex(leafHash)));

  const inclusion = verifyInclusion(
    bundle.leafIndex,
    bundle.treeSize,
    leafHash,
    bundle.inclusionProof.map((h, i) => parseHash(h, `inclusionProof[${i}]`)),
    parseHash(bundle.rootHash, 'rootHash'),
  );
  if (inclusion.ok) checks.push(pass('inclusion', `the leaf is included in the tree of size ${bundle.treeSize}`));
  else checks.push(failed('inclusion', inclusion.code, inclusion.message, inclusion.expected, inclusion.calculated));

  checks.push(...chainChecks(bundle, leafHash, input.chain));
  return result(checks);
}

function chainChecks(bundle: ProofBundle, leafHash: Uint8Array, chain: ChainEvidence): Check[] {
  const names: CheckName[] = ['chain', 'anchor', 'anchor-transaction', 'chain-inclusion'];
  if (!chain.reachable) {
    return names.map((name) => failed(name, 'CHAIN_UNAVAILABLE', `the chain could not be read: ${chain.message}`));
  }
  const seen = chain.observation;
  const checks: Check[] = [];

  if (seen.chainId !== bundle.anchor.chainId) {
    checks.push(failed('chain', 'CHAIN_ID_MISMATCH', 'the RPC endpoint serves a different chain', String(bundle.anchor.chainId), String(seen.chainId)));
  } else if (seen.contract.toLowerCase() !== bundle.anchor.contract) {
    checks.push(failed('chain', 'CONTRACT_MISMATCH', 'the chain was read at a different contract', bundle.anchor.contract, seen.contract));
  } else {
    checks.push(pass('chain', `chain ${seen.chainId}, contract ${seen.contract}`));
  }

  if (seen.head === null) {
    checks.push(failed('anchor', 'NOT_ANCHORED', `no head of size ${bundle.treeSize} is anchored on the chain`, bundle.rootHash));
  } else if (!bytesEqual(parseHash(seen.head.rootHash), parseHash(bundle.rootHash))) {
    checks.push(failed('anchor', 'ANCHORED_ROOT_MISMATCH', `the chain anchors a different root at size ${bundle.treeSize}`, seen.head.rootHash, bundle.rootHash));
  } else if (formatChainTime(seen.head.anchoredAt) !== bundle.anchor.anchoredAt) {
    checks.push(failed('anchor', 'ANCHOR_TIME_MISMATCH', 'the chain records a different anchoring time', formatChainTime(seen.head.anchoredAt), bundle.anchor.anchoredAt));
  } else {
    checks.push(pass('anchor', `root anchored on chain at size ${bundle.treeSize} on ${bundle.anchor.anchoredAt}`));
  }

  if (seen.anchorTx === null) {
    checks.push(failed('anchor-transaction', 'ANCHOR_TX_NOT_FOUND', 'no anchoring transaction for this size was found on the chain', bundle.anchor.txHash));
  } else if (seen.anchorTx.txHash !== bundle.anchor.txHash || seen.anchorTx.blockNumber !== bundle.anchor.blockNumber) {
    checks.push(
      failed(
        'anchor-transaction',
        'ANCHOR_TX_MISMATCH',
        'the head was anchored by a different transaction or block',
        `${bundle.anchor.txHash}@${bundle.anchor.blockNumber}`,
        `${seen.anchorTx.txHash}@${seen.anchorTx.blockNumber}`,
      ),
    );
  } else {
    checks.push(pass('anchor-transaction', `anchored by ${seen.anchorTx.txHash} in block ${seen.anchorTx.blockNumber}`));
  }

  if (seen.contractVerifiesInclusion) checks.push(pass('chain-inclusion', 'the contract itself confirms the inclusion proof'));
  else checks.push(failed('chain-inclusion', 'CONTRACT_REJECTS_INCLUSION', `the contract's verifyInclusion returned false for leaf ${toHex(leafHash)}`));
  return checks;
}
