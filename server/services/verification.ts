/**
 * Gathers what a bundle's verification needs from outside it (the chain, read
 * through any JSON-RPC node) and hands it to the pure core. Shared by
 * POST /v1/verify and `custos verify`, so the server and an independent
 * verifier run exactly the same checks.
 */
import { computeLeafHash } from '../core/events';
import { isAppError } from '../core/errors';
import { toHex } from '../core/hex';
import { parseProofBundle, type ProofBundle } from '../core/proof-bundle';
import { derivationCheck, verifyProofBundle, type ChainEvidence, type VerificationResult } from '../core/verify';
import type { ChainAnchor } from '../ports';
import { notarizationChecks, type NotaryObservation } from '../core/notarization';
import { recoverStatementSigner } from '../adapters/chain/notary-signature';

export async function observeChain(chain: ChainAnchor, bundle: ProofBundle): Promise<ChainEvidence> {
  try {
    const leafHash = toHex(computeLeafHash(bundle.event));
    const [info, head, anchorTx, contractVerifiesInclusion] = await Promise.all([
      chain.info(),
      chain.headAt(bundle.treeSize),
      chain.findAnchor(bundle.treeSize, bundle.anchor.blockNumber),
      chain.verifyInclusion(leafHash, bundle.leafIndex, bundle.treeSize, bundle.inclusionProof),
    ]);
    return {
      reachable: true,
      observation: {
        chainId: info.chainId,
        contract: info.contract,
        head: head && { rootHash: head.rootHash, anchoredAt: head.anchoredAt },
        anchorTx: anchorTx && { txHash: anchorTx.txHash.toLowerCase(), blockNumber: anchorTx.blockNumber },
        contractVerifiesInclusion,
      },
    };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { reachable: false, message: error.message };
  }
}

/** Verifies an untrusted bundle (and optionally the SHA-256 of the file it is about) against the chain. */
export async function verifyBundleOnChain(raw: unknown, chain: ChainAnchor | ((bundle: ProofBundle) => ChainAnchor), contentSha256?: string): Promise<VerificationResult> {
  let bundle: ProofBundle;
  try {
    bundle = parseProofBundle(raw);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { ok: false, checks: [{ check: 'bundle-format', ok: false, code: error.code, message: error.message }] };
  }
  const anchorOf = (b: ProofBundle) => (typeof chain === 'function' ? chain(b) : chain);
  const verified = verifyProofBundle(bundle, { contentSha256, chain: await observeChain(anchorOf(bundle), bundle) });
  const result = bundle.notarizations?.length ? await withNotarizations(verified, bundle, anchorOf(bundle)) : verified;
  const isDerivation = bundle.event.type === 'evidence.derived' || bundle.derivedFrom !== undefined;
  if (!isDerivation) return result;
  const original = bundle.derivedFrom && verifyProofBundle(bundle.derivedFrom, { chain: await observeChain(anchorOf(bundle.derivedFrom), bundle.derivedFrom) });
  const checks = [...result.checks, derivationCheck(bundle, original)];
  return { ok: checks.every((c) => c.ok), checks, ...(original ? { derivedFrom: original } : {}) };
}

/** Adds, per notary certificate in the bundle, "head witnessed by notary X" and "certified by notary X, certificate N". */
async function withNotarizations(result: VerificationResult, bundle: ProofBundle, chain: ChainAnchor): Promise<VerificationResult> {
  const leaf = { leafIndex: bundle.leafIndex, leafHash: toHex(computeLeafHash(bundle.event)), sha256: (bundle.event as { sha256?: string }).sha256 };
  const checks = [...result.checks];
  for (const proof of bundle.notarizations ?? []) {
    const { treeSize } = proof.statement.head;
    let seen: NotaryObservation | { unreachable: string };
    try {
      const [head, cosignedAt] = await Promise.all([chain.headAt(treeSize), chain.cosignedAt(treeSize, proof.statement.notary.address)]);
      seen = { anchoredRoot: head?.rootHash ?? null, cosignedAt };
    } catch (error) {
      if (!isAppError(error)) throw error;
      seen = { unreachable: error.message };
    }
    checks.push(...notarizationChecks(proof, leaf, seen, recoverStatementSigner));
  }
  return { ...result, ok: checks.every((c) => c.ok), checks };
}
