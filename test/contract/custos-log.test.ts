import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ethers } from 'hardhat';
import { isError, ZeroHash } from 'ethers';
import { loadFixture } from '@nomicfoundation/hardhat-network-helpers';
import type { MemoryTree } from '../../server/core/merkle';
import {
  computeConsistencyProof,
  computeInclusionProof,
  verifyConsistency as verifyConsistencyOffChain,
} from '../../server/core/merkle';
import {
  ANCHORER_ROLE,
  buildTree,
  deployCustosLog,
  hex,
  is32Bytes,
  leafHashOf,
  loadVectors,
  NOTARY_ROLE,
  type ConsistencyVector,
  type InclusionVector,
} from './fixtures';

const MAX_PROOF_LENGTH = 64;
const vectors = loadVectors();
const inclusionVectors = vectors.filter((v): v is InclusionVector => v.kind === 'inclusion');
const consistencyVectors = vectors.filter((v): v is ConsistencyVector => v.kind === 'consistency');

/** `count` distinct, well-formed but meaningless hashes. */
function junkProof(count: number): string[] {
  return Array.from({ length: count }, (_, i) => ethers.zeroPadValue(ethers.toBeHex(i + 1), 32));
}

/** The call never reaches the chain: ethers refuses to ABI-encode a bytes32 that is not 32 bytes. */
function expectAbiRejects(encode: () => unknown): void {
  let error: unknown;
  try {
    encode();
  } catch (caught) {
    error = caught;
  }
  expect(isError(error, 'INVALID_ARGUMENT'), `expected an INVALID_ARGUMENT error, got ${String(error)}`).to.equal(true);
}

describe('CustosLog', () => {
  describe('constructor', () => {
    it('grants DEFAULT_ADMIN_ROLE to the admin and ANCHORER_ROLE to the anchorer', async () => {
      const { log, admin, anchorer } = await loadFixture(deployCustosLog);
      expect(await log.ANCHORER_ROLE()).to.equal(ANCHORER_ROLE);
      expect(await log.MAX_PROOF_LENGTH()).to.equal(MAX_PROOF_LENGTH);
      expect(await log.hasRole(await log.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await log.hasRole(ANCHORER_ROLE, anchorer.address)).to.equal(true);
      expect(await log.hasRole(ANCHORER_ROLE, admin.address)).to.equal(false);
    });

    it('grants NOTARY_ROLE to nobody', async () => {
      const { log, admin, anchorer, notary } = await loadFixture(deployCustosLog);
      expect(await log.NOTARY_ROLE()).to.equal(NOTARY_ROLE);
      for (const account of [admin, anchorer, notary]) {
        expect(await log.hasRole(NOTARY_ROLE, account.address)).to.equal(false);
      }
    });
  });

  describe('anchorHead', () => {
    describe('when the caller lacks ANCHORER_ROLE', () => {
      it('reverts with AccessControlUnauthorizedAccount', async () => {
        const { log, outsider } = await loadFixture(deployCustosLog);
        const root = hex(buildTree(1).root());
        await expect(log.connect(outsider).getFunction('anchorHead')(1, root, []))
          .to.be.revertedWithCustomError(log, 'AccessControlUnauthorizedAccount')
          .withArgs(outsider.address, ANCHORER_ROLE);
      });
    });

    describe('when the admin grants ANCHORER_ROLE to another account', () => {
      it('lets that account anchor', async () => {
        const { log, admin, outsider } = await loadFixture(deployCustosLog);
        await log.connect(admin).getFunction('grantRole')(ANCHORER_ROLE, outsider.address);
        const root = hex(buildTree(1).root());
        await expect(log.connect(outsider).getFunction('anchorHead')(1, root, [])).to.emit(log, 'TreeHeadAnchored');
      });
    });

    describe('when an account without DEFAULT_ADMIN_ROLE grants ANCHORER_ROLE', () => {
      it('reverts with AccessControlUnauthorizedAccount', async () => {
        const { log, outsider } = await loadFixture(deployCustosLog);
        await expect(log.connect(outsider).getFunction('grantRole')(ANCHORER_ROLE, outsider.address))
          .to.be.revertedWithCustomError(log, 'AccessControlUnauthorizedAccount')
          .withArgs(outsider.address, ZeroHash);
      });
    });

    describe('when no head is anchored yet', () => {
      it('reports all-zero heads', async () => {
        const { log } = await loadFixture(deployCustosLog);
        expect(await log.latestHead()).to.deep.equal([0n, ZeroHash, 0n]);
        expect(await log.headAt(1)).to.deep.equal([ZeroHash, 0n]);
      });

      it('anchors a head given no proof and emits TreeHeadAnchored with the block timestamp', async () => {
        const { log } = await loadFixture(deployCustosLog);
        const root = hex(buildTree(5).root());
        const tx = await log.anchorHead(5, root, []);
        const receipt = await tx.wait();
        const block = await ethers.provider.getBlock(receipt!.blockNumber);
        const timestamp = BigInt(block!.timestamp);
        await expect(tx).to.emit(log, 'TreeHeadAnchored').withArgs(5, root, timestamp);
        expect(await log.latestHead()).to.deep.equal([5n, root, timestamp]);
        expect(await log.headAt(5)).to.deep.equal([root, timestamp]);
        expect(await log.headAt(4)).to.deep.equal([ZeroHash, 0n]);
      });

      it('reverts with CustosLogEmptyTree for treeSize 0', async () => {
        const { log } = await loadFixture(deployCustosLog);
        await expect(log.anchorHead(0, hex(buildTree(1).root(0)), [])).to.be.revertedWithCustomError(log, 'CustosLogEmptyTree');
      });

      it('reverts with CustosLogUnexpectedProof when given a proof', async () => {
        const { log } = await loadFixture(deployCustosLog);
        const tree = buildTree(4);
        const proof = computeConsistencyProof(tree, 2, 4).map(hex);
        await expect(log.anchorHead(4, hex(tree.root()), proof)).to.be.revertedWithCustomError(log, 'CustosLogUnexpectedProof');
      });

      it('reverts with CustosLogProofTooLong for a proof of 65 hashes', async () => {
        const { log } = await loadFixture(deployCustosLog);
        await expect(log.anchorHead(4, hex(buildTree(4).root()), junkProof(65)))
          .to.be.revertedWithCustomError(log, 'CustosLogProofTooLong')
          .withArgs(65, MAX_PROOF_LENGTH);
      });
    });

    describe('when a head is already anchored', () => {
      async function anchoredAt4() {
        const fixture = await deployCustosLog();
        const tree = buildTree(13);
        await fixture.log.anchorHead(4, hex(tree.root(4)), []);
        return { ...fixture, tree };
      }

      it('reverts with CustosLogTreeSizeNotIncreasing for the same size', async () => {
        const { log, tree } = await loadFixture(anchoredAt4);
        await expect(log.anchorHead(4, hex(tree.root(4)), []))
          .to.be.revertedWithCustomError(log, 'CustosLogTreeSizeNotIncreasing')
          .withArgs(4, 4);
      });

      it('reverts with CustosLogTreeSizeNotIncreasing for a smaller size', async () => {
        const { log, tree } = await loadFixture(anchoredAt4);
        await expect(log.anchorHead(3, hex(tree.root(3)), []))
          .to.be.revertedWithCustomError(log, 'CustosLogTreeSizeNotIncreasing')
          .withArgs(4, 3);
      });

      it('reverts with CustosLogInconsistentHead for an empty proof', async () => {
        const { log, tree } = await loadFixture(anchoredAt4);
        await expect(log.anchorHead(6, hex(tree.root(6)), []))
          .to.be.revertedWithCustomError(log, 'CustosLogInconsistentHead')
          .withArgs(4, 6);
      });

      it('reverts with CustosLogProofTooLong for a proof of 65 hashes', async () => {
        const { log, tree } = await loadFixture(anchoredAt4);
        await expect(log.anchorHead(6, hex(tree.root(6)), junkProof(65)))
          .to.be.revertedWithCustomError(log, 'CustosLogProofTooLong')
          .withArgs(65, MAX_PROOF_LENGTH);
      });
    });

    describe('when the log server tries to fork the anchored log', () => {
      it('rejects the fork and still accepts the genuine extensions', async () => {
        const { log } = await loadFixture(deployCustosLog);
        const genuine = buildTree(13);
        // The forged log rewrites leaf 2, which the anchored head at size 4 already covers.
        const forged = buildTree(0);
        for (let i = 0; i < 13; i++) forged.append(i === 2 ? leafHashOf('forged', i) : leafHashOf('leaf', i));

        await log.anchorHead(4, hex(genuine.root(4)), []);

        // The forged proof is internally valid: it is only the anchored root that exposes it.
        const forgedProof = computeConsistencyProof(forged, 4, 6);
        expect(verifyConsistencyOffChain(4, 6, forged.root(4), forged.root(6), forgedProof).ok).to.equal(true);
        expect(await log.verifyConsistency(4, 6, hex(forged.root(4)), hex(forged.root(6)), forgedProof.map(hex))).to.equal(true);
        await expect(log.anchorHead(6, hex(forged.root(6)), forgedProof.map(hex)))
          .to.be.revertedWithCustomError(log, 'CustosLogInconsistentHead')
          .withArgs(4, 6);

        await expect(log.anchorHead(6, hex(genuine.root(6)), computeConsistencyProof(genuine, 4, 6).map(hex)))
          .to.emit(log, 'TreeHeadAnchored');

        // From a size that is not a power of two, the proof does not start at the anchored
        // root: only comparing the recomputed old root with it (RFC 9162 §2.1.4.2 step 7) catches the fork.
        await expect(log.anchorHead(13, hex(forged.root(13)), computeConsistencyProof(forged, 6, 13).map(hex)))
          .to.be.revertedWithCustomError(log, 'CustosLogInconsistentHead')
          .withArgs(6, 13);
        await expect(log.anchorHead(13, hex(genuine.root(13)), computeConsistencyProof(genuine, 6, 13).map(hex)))
          .to.emit(log, 'TreeHeadAnchored');
        const [latestSize, latestRoot] = await log.latestHead();
        expect([latestSize, latestRoot]).to.deep.equal([13n, hex(genuine.root(13))]);
      });
    });

    describe('when extending a head anchored from an RFC 9162 consistency vector', () => {
      // Only vectors that describe a real extension (0 < size1 < size2) fit the anchoring flow;
      // the others are covered by verifyConsistency below.
      const extensions = consistencyVectors.filter(
        (v) => v.size1 >= 1n && v.size2 > v.size1 && is32Bytes(v.root1, v.root2, ...v.proof),
      );

      for (const v of extensions) {
        const outcome = v.wantErr ? 'reverts with CustosLogInconsistentHead' : 'anchors the new head';
        it(`${v.file}: ${outcome}`, async () => {
          const { log } = await loadFixture(deployCustosLog);
          await log.anchorHead(v.size1, hex(v.root1), []);
          const attempt = log.anchorHead(v.size2, hex(v.root2), v.proof.map(hex));
          if (v.wantErr) {
            await expect(attempt).to.be.revertedWithCustomError(log, 'CustosLogInconsistentHead').withArgs(v.size1, v.size2);
          } else {
            await expect(attempt).to.emit(log, 'TreeHeadAnchored');
            expect((await log.latestHead())[0]).to.equal(v.size2);
          }
        });
      }
    });
  });

  describe('cosignHead', () => {
    /** Heads at 4 and 6 anchored from one real tree; `notary` holds NOTARY_ROLE. */
    async function anchoredWithNotary() {
      const fixture = await deployCustosLog();
      const { log, admin, notary } = fixture;
      const tree = buildTree(6);
      await log.anchorHead(4, hex(tree.root(4)), []);
      await log.anchorHead(6, hex(tree.root(6)), computeConsistencyProof(tree, 4, 6).map(hex));
      await log.connect(admin).getFunction('grantRole')(NOTARY_ROLE, notary.address);
      return { ...fixture, tree };
    }

    describe('when the caller lacks NOTARY_ROLE', () => {
      it('reverts with AccessControlUnauthorizedAccount', async () => {
        const { log, outsider, tree } = await loadFixture(anchoredWithNotary);
        await expect(log.connect(outsider).getFunction('cosignHead')(6, hex(tree.root(6))))
          .to.be.revertedWithCustomError(log, 'AccessControlUnauthorizedAccount')
          .withArgs(outsider.address, NOTARY_ROLE);
      });

      it('reverts for the anchorer too, until the admin grants it NOTARY_ROLE', async () => {
        const { log, admin, anchorer, tree } = await loadFixture(anchoredWithNotary);
        await expect(log.cosignHead(6, hex(tree.root(6))))
          .to.be.revertedWithCustomError(log, 'AccessControlUnauthorizedAccount')
          .withArgs(anchorer.address, NOTARY_ROLE);
        await log.connect(admin).getFunction('grantRole')(NOTARY_ROLE, anchorer.address);
        await expect(log.cosignHead(6, hex(tree.root(6)))).to.emit(log, 'HeadCosigned');
      });
    });

    describe('when an account without DEFAULT_ADMIN_ROLE grants NOTARY_ROLE', () => {
      it('reverts with AccessControlUnauthorizedAccount', async () => {
        const { log, outsider } = await loadFixture(deployCustosLog);
        await expect(log.connect(outsider).getFunction('grantRole')(NOTARY_ROLE, outsider.address))
          .to.be.revertedWithCustomError(log, 'AccessControlUnauthorizedAccount')
          .withArgs(outsider.address, ZeroHash);
      });
    });

    describe('when the notary cosigns the latest anchored head', () => {
      it('records the cosignature and emits HeadCosigned with the block timestamp', async () => {
        const { log, notary, outsider, tree } = await loadFixture(anchoredWithNotary);
        const root = hex(tree.root(6));
        expect(await log.cosignedAt(6, notary.address)).to.equal(0n);
        const tx = await log.connect(notary).getFunction('cosignHead')(6, root);
        const receipt = await tx.wait();
        const block = await ethers.provider.getBlock(receipt!.blockNumber);
        const timestamp = BigInt(block!.timestamp);
        expect(timestamp).to.be.greaterThan(0n);
        await expect(tx).to.emit(log, 'HeadCosigned').withArgs(6, notary.address, root, timestamp);
        expect(await log.cosignedAt(6, notary.address)).to.equal(timestamp);
        // Only that notary and that head.
        expect(await log.cosignedAt(4, notary.address)).to.equal(0n);
        expect(await log.cosignedAt(6, outsider.address)).to.equal(0n);
      });
    });

    describe('when the notary cosigns an older anchored head', () => {
      it('records the cosignature of that head', async () => {
        const { log, notary, tree } = await loadFixture(anchoredWithNotary);
        expect((await log.latestHead())[0]).to.equal(6n);
        const root = hex(tree.root(4));
        await expect(log.connect(notary).getFunction('cosignHead')(4, root))
          .to.emit(log, 'HeadCosigned')
          .withArgs(4, notary.address, root, (t: bigint) => t > 0n);
        expect(await log.cosignedAt(4, notary.address)).to.be.greaterThan(0n);
        expect(await log.cosignedAt(6, notary.address)).to.equal(0n);
      });
    });

    describe('when the size was never anchored', () => {
      it('reverts with CustosLogHeadNotAnchored', async () => {
        const { log, notary, tree } = await loadFixture(anchoredWithNotary);
        for (const size of [0, 5, 7]) {
          await expect(log.connect(notary).getFunction('cosignHead')(size, hex(tree.root(Math.min(size, 6)))))
            .to.be.revertedWithCustomError(log, 'CustosLogHeadNotAnchored')
            .withArgs(size);
        }
      });
    });

    describe('when the root differs from the anchored root', () => {
      it('reverts with CustosLogRootMismatch carrying both roots', async () => {
        const { log, notary, tree } = await loadFixture(anchoredWithNotary);
        // The root of another size of the same log is still the wrong root for this size.
        for (const wrong of [hex(tree.root(4)), hex(buildTree(6, 'other').root()), ZeroHash]) {
          await expect(log.connect(notary).getFunction('cosignHead')(6, wrong))
            .to.be.revertedWithCustomError(log, 'CustosLogRootMismatch')
            .withArgs(6, hex(tree.root(6)), wrong);
        }
        expect(await log.cosignedAt(6, notary.address)).to.equal(0n);
      });
    });

    describe('when the notary already cosigned the head', () => {
      it('reverts with CustosLogAlreadyCosigned and keeps the first timestamp', async () => {
        const { log, notary, tree } = await loadFixture(anchoredWithNotary);
        const root = hex(tree.root(6));
        await log.connect(notary).getFunction('cosignHead')(6, root);
        const first = await log.cosignedAt(6, notary.address);
        await expect(log.connect(notary).getFunction('cosignHead')(6, root))
          .to.be.revertedWithCustomError(log, 'CustosLogAlreadyCosigned')
          .withArgs(notary.address, 6);
        expect(await log.cosignedAt(6, notary.address)).to.equal(first);
      });

      it('still lets another notary cosign it', async () => {
        const { log, admin, notary, outsider, tree } = await loadFixture(anchoredWithNotary);
        const root = hex(tree.root(6));
        await log.connect(notary).getFunction('cosignHead')(6, root);
        await log.connect(admin).getFunction('grantRole')(NOTARY_ROLE, outsider.address);
        await expect(log.connect(outsider).getFunction('cosignHead')(6, root))
          .to.emit(log, 'HeadCosigned')
          .withArgs(6, outsider.address, root, (t: bigint) => t > 0n);
      });
    });

    describe('when the admin revokes NOTARY_ROLE', () => {
      it('refuses further cosignatures and keeps the recorded ones', async () => {
        const { log, admin, notary, tree } = await loadFixture(anchoredWithNotary);
        await log.connect(notary).getFunction('cosignHead')(4, hex(tree.root(4)));
        await log.connect(admin).getFunction('revokeRole')(NOTARY_ROLE, notary.address);
        await expect(log.connect(notary).getFunction('cosignHead')(6, hex(tree.root(6))))
          .to.be.revertedWithCustomError(log, 'AccessControlUnauthorizedAccount')
          .withArgs(notary.address, NOTARY_ROLE);
        expect(await log.cosignedAt(4, notary.address)).to.be.greaterThan(0n);
      });
    });

    describe('gas', () => {
      it('stays within bounds for a first cosignature', async () => {
        const { log, notary, tree } = await loadFixture(anchoredWithNotary);
        const receipt = await (await log.connect(notary).getFunction('cosignHead')(6, hex(tree.root(6)))).wait();
        const gasUsed = Number(receipt!.gasUsed);
        expect(gasUsed).to.be.greaterThan(21_000).and.lessThan(100_000);
        console.log(`\n  cosignHead gasUsed: ${gasUsed}\n`);
        const dir = path.resolve(__dirname, '../../test-artifacts');
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'cosign-gas.json'), `${JSON.stringify({ gasUsed }, null, 2)}\n`);
      });
    });
  });

  describe('verifyInclusion', () => {
    describe('when a real tree is anchored at size 13', () => {
      async function anchoredAt13() {
        const fixture = await deployCustosLog();
        const tree = buildTree(13);
        await fixture.log.anchorHead(13, hex(tree.root()), []);
        return { ...fixture, tree };
      }

      it('returns true for the inclusion proof of every leaf', async () => {
        const { log, tree } = await loadFixture(anchoredAt13);
        for (let i = 0; i < 13; i++) {
          const proof = computeInclusionProof(tree, i, 13).map(hex);
          expect(await log.verifyInclusion(hex(leafHashOf('leaf', i)), i, 13, proof), `leaf ${i}`).to.equal(true);
        }
      });

      it('returns false for a wrong index', async () => {
        const { log, tree } = await loadFixture(anchoredAt13);
        const proof = computeInclusionProof(tree, 5, 13).map(hex);
        expect(await log.verifyInclusion(hex(leafHashOf('leaf', 5)), 4, 13, proof)).to.equal(false);
        expect(await log.verifyInclusion(hex(leafHashOf('leaf', 5)), 13, 13, proof)).to.equal(false);
      });

      it('returns false for a size that was never anchored', async () => {
        const { log, tree } = await loadFixture(anchoredAt13);
        const proof = computeInclusionProof(tree, 5, 12).map(hex);
        expect(await log.verifyInclusion(hex(leafHashOf('leaf', 5)), 5, 12, proof)).to.equal(false);
      });

      it('returns false for a proof of 65 hashes', async () => {
        const { log } = await loadFixture(anchoredAt13);
        expect(await log.verifyInclusion(hex(leafHashOf('leaf', 5)), 5, 13, junkProof(65))).to.equal(false);
      });
    });

    describe('with each RFC 9162 inclusion vector, its root anchored as the first head', () => {
      for (const v of inclusionVectors) {
        if (!is32Bytes(v.root, v.leafHash, ...v.proof)) {
          it(`${v.file}: rejected by the ABI: not 32 bytes`, async () => {
            expect(v.wantErr).to.equal(true);
            const { log } = await loadFixture(deployCustosLog);
            if (!is32Bytes(v.root)) {
              expectAbiRejects(() => log.interface.encodeFunctionData('anchorHead', [v.treeSize, hex(v.root), []]));
            }
            if (!is32Bytes(v.leafHash, ...v.proof)) {
              const args = [hex(v.leafHash), v.leafIdx, v.treeSize, v.proof.map(hex)];
              expectAbiRejects(() => log.interface.encodeFunctionData('verifyInclusion', args));
            }
          });
          continue;
        }
        it(`${v.file}: returns ${!v.wantErr}`, async () => {
          const { log } = await loadFixture(deployCustosLog);
          if (v.treeSize === 0n) {
            // An empty tree cannot be anchored, so nothing can be proven included in it.
            await expect(log.anchorHead(0, hex(v.root), [])).to.be.revertedWithCustomError(log, 'CustosLogEmptyTree');
          } else {
            await log.anchorHead(v.treeSize, hex(v.root), []);
          }
          expect(await log.verifyInclusion(hex(v.leafHash), v.leafIdx, v.treeSize, v.proof.map(hex))).to.equal(!v.wantErr);
        });
      }
    });
  });

  describe('verifyConsistency', () => {
    it('returns false for a proof of 65 hashes', async () => {
      const { log } = await loadFixture(deployCustosLog);
      const tree = buildTree(6);
      expect(await log.verifyConsistency(4, 6, hex(tree.root(4)), hex(tree.root(6)), junkProof(65))).to.equal(false);
    });

    describe('when only root1 is wrong and size1 is not a power of two', () => {
      it('returns false', async () => {
        const { log } = await loadFixture(deployCustosLog);
        const tree = buildTree(13);
        const wrongRoot1 = hex(buildTree(6, 'other').root());
        const proof = computeConsistencyProof(tree, 6, 13).map(hex);
        expect(await log.verifyConsistency(6, 13, hex(tree.root(6)), hex(tree.root(13)), proof)).to.equal(true);
        expect(await log.verifyConsistency(6, 13, wrongRoot1, hex(tree.root(13)), proof)).to.equal(false);
      });
    });

    describe('with each RFC 9162 consistency vector', () => {
      for (const v of consistencyVectors) {
        if (!is32Bytes(v.root1, v.root2, ...v.proof)) {
          // One such vector has wantErr: false (equal sizes, equal 12-byte roots); its
          // 32-byte counterpart is consistency/0/happy-path.json, which must return true.
          const note = v.wantErr ? '' : ' (wantErr is false, but a bytes32 cannot carry it)';
          it(`${v.file}: rejected by the ABI: not 32 bytes${note}`, async () => {
            const { log } = await loadFixture(deployCustosLog);
            const args = [v.size1, v.size2, hex(v.root1), hex(v.root2), v.proof.map(hex)];
            expectAbiRejects(() => log.interface.encodeFunctionData('verifyConsistency', args));
          });
          continue;
        }
        it(`${v.file}: returns ${!v.wantErr}`, async () => {
          const { log } = await loadFixture(deployCustosLog);
          const result = await log.verifyConsistency(v.size1, v.size2, hex(v.root1), hex(v.root2), v.proof.map(hex));
          expect(result).to.equal(!v.wantErr);
        });
      }
    });
  });

  describe('gas of anchorHead', function () {
    interface GasRow {
      treeSize: number;
      previousTreeSize: number;
      proofLength: number;
      gasUsed: number;
    }
    const rows: GasRow[] = [];
    let tree: MemoryTree;

    before(function () {
      this.timeout(600_000);
      tree = buildTree(1_000_000);
    });

    after(() => {
      if (rows.length === 0) return;
      const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart([10, 14, 13, 9][i])).join('  ');
      console.log(['', line(['tree size', 'previous size', 'proof length', 'gasUsed']), ...rows.map((r) => line(Object.values(r))), ''].join('\n'));
      const dir = path.resolve(__dirname, '../../test-artifacts');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'gas.json'), `${JSON.stringify(rows, null, 2)}\n`);
    });

    const scenarios = [
      { treeSize: 1, previousTreeSize: 0 },
      { treeSize: 1_000, previousTreeSize: 900 },
      { treeSize: 1_000_000, previousTreeSize: 999_000 },
    ];
    for (const { treeSize, previousTreeSize } of scenarios) {
      const title = previousTreeSize === 0 ? 'the first head' : `over a head at ${previousTreeSize}`;
      it(`stays within bounds for size ${treeSize} anchored ${title}`, async () => {
        const { log } = await loadFixture(deployCustosLog);
        let proof: string[] = [];
        if (previousTreeSize > 0) {
          await log.anchorHead(previousTreeSize, hex(tree.root(previousTreeSize)), []);
          const hashes = computeConsistencyProof(tree, previousTreeSize, treeSize);
          const offChain = verifyConsistencyOffChain(previousTreeSize, treeSize, tree.root(previousTreeSize), tree.root(treeSize), hashes);
          expect(offChain.ok).to.equal(true);
          proof = hashes.map(hex);
          const onChain = await log.verifyConsistency(previousTreeSize, treeSize, hex(tree.root(previousTreeSize)), hex(tree.root(treeSize)), proof);
          expect(onChain).to.equal(true);
        }
        const receipt = await (await log.anchorHead(treeSize, hex(tree.root(treeSize)), proof)).wait();
        expect((await log.latestHead())[0]).to.equal(BigInt(treeSize));
        const gasUsed = Number(receipt!.gasUsed);
        expect(gasUsed).to.be.greaterThan(21_000).and.lessThan(500_000);
        rows.push({ treeSize, previousTreeSize, proofLength: proof.length, gasUsed });
      });
    }
  });
});
