import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { computeLeafHash, EVENT_VERSION, type EvidenceIngestedEvent } from '../../server/core/events';
import { toHex } from '../../server/core/hex';
import { computeInclusionProof, MemoryTree } from '../../server/core/merkle';
import { formatChainTime, parseProofBundle, PROOF_BUNDLE_VERSION, type ProofBundle } from '../../server/core/proof-bundle';
import { verifyProofBundle, type ChainEvidence, type ChainObservation } from '../../server/core/verify';

/**
 * The pure verification core, with the chain's answers given directly: each
 * tampering must fail with the check that covers it named, and nothing else
 * may make `ok` true.
 */
describe('core verifyProofBundle', () => {
  const content = Buffer.from('a recording');
  const sha256 = createHash('sha256').update(content).digest('hex');
  const event = (i: number): EvidenceIngestedEvent => ({
    version: EVENT_VERSION,
    type: 'evidence.ingested',
    evidenceId: `ev_${i}`,
    sha256: i === 3 ? sha256 : createHash('sha256').update(String(i)).digest('hex'),
    size: i === 3 ? content.length : i,
    mediaType: 'video/mp4',
    cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    cidProfile: 'unixfs-v1-2025',
    metadata: { deviceId: 'BWC-1', officerId: 'o-1', recordedAt: '2026-11-20T09:30:00Z' },
    receivedAt: '2026-11-20T09:31:00.000Z',
    uploader: { tokenId: 'tok_1', name: 'dock', role: 'uploader' },
  });

  const tree = new MemoryTree();
  for (let i = 0; i < 7; i++) tree.append(computeLeafHash(event(i)));
  const anchoredAt = 1_795_000_000;
  const bundle: ProofBundle = parseProofBundle({
    version: PROOF_BUNDLE_VERSION,
    event: event(3),
    leafIndex: 3,
    leafHash: toHex(computeLeafHash(event(3))),
    treeSize: 7,
    rootHash: toHex(tree.root()),
    inclusionProof: computeInclusionProof(tree, 3, 7).map(toHex),
    anchor: { chainId: 31337, contract: '0x' + 'ab'.repeat(20), txHash: '0x' + 'cd'.repeat(32), blockNumber: 12, anchoredAt: formatChainTime(anchoredAt) },
  });
  const honestChain: ChainObservation = {
    chainId: 31337,
    contract: '0x' + 'AB'.repeat(20),
    head: { rootHash: bundle.rootHash, anchoredAt },
    anchorTx: { txHash: bundle.anchor.txHash, blockNumber: 12 },
    contractVerifiesInclusion: true,
  };
  const onChain = (changes: Partial<ChainObservation> = {}): ChainEvidence => ({ reachable: true, observation: { ...honestChain, ...changes } });
  const flipFirst = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
  const failing = (result: ReturnType<typeof verifyProofBundle>) => result.checks.filter((c) => !c.ok).map((c) => `${c.check}:${c.code}`);

  it('passes every check for an honest bundle, file and chain', () => {
    const result = verifyProofBundle(bundle, { contentSha256: sha256, chain: onChain() });
    expect(result.checks.map((c) => c.check)).to.deep.equal(['bundle-format', 'content-hash', 'device-signature', 'leaf-hash', 'inclusion', 'chain', 'anchor', 'anchor-transaction', 'chain-inclusion']);
    expect(failing(result)).to.deep.equal([]);
    expect(result.ok).to.equal(true);
  });

  const cases: Array<[string, () => ReturnType<typeof verifyProofBundle>, string[]]> = [
    ['another file', () => verifyProofBundle(bundle, { contentSha256: 'ff'.repeat(32), chain: onChain() }), ['content-hash:CONTENT_HASH_MISMATCH']],
    [
      'an edited record',
      () => verifyProofBundle({ ...bundle, event: { ...bundle.event, size: 999 } }, { contentSha256: sha256, chain: onChain() }),
      ['leaf-hash:LEAF_HASH_MISMATCH', 'inclusion:ROOT_MISMATCH'],
    ],
    [
      'a proof hash flipped',
      () => verifyProofBundle({ ...bundle, inclusionProof: [flipFirst(bundle.inclusionProof[0]), ...bundle.inclusionProof.slice(1)] }, { chain: onChain() }),
      ['inclusion:ROOT_MISMATCH'],
    ],
    [
      'a root the chain did not anchor',
      () => verifyProofBundle(bundle, { chain: onChain({ head: { rootHash: 'ee'.repeat(32), anchoredAt } }) }),
      ['anchor:ANCHORED_ROOT_MISMATCH'],
    ],
    ['a size never anchored', () => verifyProofBundle(bundle, { chain: onChain({ head: null }) }), ['anchor:NOT_ANCHORED']],
    ['another anchoring time', () => verifyProofBundle(bundle, { chain: onChain({ head: { rootHash: bundle.rootHash, anchoredAt: anchoredAt + 1 } }) }), ['anchor:ANCHOR_TIME_MISMATCH']],
    ['another chain', () => verifyProofBundle(bundle, { chain: onChain({ chainId: 1 }) }), ['chain:CHAIN_ID_MISMATCH']],
    ['another contract', () => verifyProofBundle(bundle, { chain: onChain({ contract: '0x' + '42'.repeat(20) }) }), ['chain:CONTRACT_MISMATCH']],
    ['another transaction', () => verifyProofBundle(bundle, { chain: onChain({ anchorTx: { txHash: '0x' + '99'.repeat(32), blockNumber: 12 } }) }), ['anchor-transaction:ANCHOR_TX_MISMATCH']],
    ['no anchoring transaction', () => verifyProofBundle(bundle, { chain: onChain({ anchorTx: null }) }), ['anchor-transaction:ANCHOR_TX_NOT_FOUND']],
    ['a contract that rejects the proof', () => verifyProofBundle(bundle, { chain: onChain({ contractVerifiesInclusion: false }) }), ['chain-inclusion:CONTRACT_REJECTS_INCLUSION']],
    [
      'an unreachable chain',
      () => verifyProofBundle(bundle, { chain: { reachable: false, message: 'connection refused' } }),
      ['chain:CHAIN_UNAVAILABLE', 'anchor:CHAIN_UNAVAILABLE', 'anchor-transaction:CHAIN_UNAVAILABLE', 'chain-inclusion:CHAIN_UNAVAILABLE'],
    ],
  ];
  for (const [what, run, expected] of cases) {
    it(`${what}: not verified, with ${expected.join(', ')}`, () => {
      const result = run();
      expect(result.ok).to.equal(false);
      expect(failing(result)).to.deep.equal(expected);
    });
  }
});
