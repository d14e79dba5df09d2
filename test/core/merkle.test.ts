import { expect } from 'chai';
import {
  MemoryTree,
  computeConsistencyProof,
  computeInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from '../../server/core/merkle';
import { EMPTY_ROOT, hashChildren, hashLeaf } from '../../server/core/hash';
import { toHex } from '../../server/core/hex';
import { consistencyVectors, fromBase64, inclusionVectors } from '../helpers/vectors';

const leaf = (i: number) => hashLeaf(new TextEncoder().encode(`leaf ${i}`));

function treeOf(size: number): MemoryTree {
  const tree = new MemoryTree();
  for (let i = 0; i < size; i++) tree.append(leaf(i));
  return tree;
}

/** The RFC's recursive definition, written naively, as an independent reference. */
function referenceRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hashChildren(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

describe('core/merkle', () => {
  describe('RFC 9162 inclusion vectors', () => {
    for (const v of inclusionVectors()) {
      it(`${v.wantErr ? 'rejects' : 'accepts'} ${v.file} (${v.desc})`, () => {
        const result = verifyInclusion(v.leafIdx, v.treeSize, fromBase64(v.leafHash), (v.proof ?? []).map(fromBase64), fromBase64(v.root));
        expect(result.ok, JSON.stringify(result)).to.equal(!v.wantErr);
      });
    }
  });

  describe('RFC 9162 consistency vectors', () => {
    for (const v of consistencyVectors()) {
      it(`${v.wantErr ? 'rejects' : 'accepts'} ${v.file} (${v.desc})`, () => {
        const result = verifyConsistency(v.size1, v.size2, fromBase64(v.root1), fromBase64(v.root2), (v.proof ?? []).map(fromBase64));
        expect(result.ok, JSON.stringify(result)).to.equal(!v.wantErr);
      });
    }
  });

  describe('MemoryTree', () => {
    it('computes the same root as the recursive definition for every size up to 70', () => {
      const tree = new MemoryTree();
      const leaves: Uint8Array[] = [];
      expect(toHex(tree.root())).to.equal(toHex(EMPTY_ROOT));
      for (let i = 0; i < 70; i++) {
        tree.append(leaf(i));
        leaves.push(leaf(i));
        for (const size of [i + 1, Math.ceil((i + 1) / 2)]) {
          expect(toHex(tree.root(size)), `size ${size}`).to.equal(toHex(referenceRoot(leaves.slice(0, size))));
        }
      }
    });
  });

  describe('computeInclusionProof', () => {
    it('produces proofs that verify for every leaf of every size up to 40', () => {
      const tree = treeOf(40);
      for (let size = 1; size <= 40; size++) {
        const root = tree.root(size);
        for (let index = 0; index < size; index++) {
          const result = verifyInclusion(index, size, leaf(index), computeInclusionProof(tree, index, size), root);
          expect(result.ok, `leaf ${index} of ${size}`).to.equal(true);
        }
      }
    });

    describe('when a proof hash has a flipped bit', () => {
      it('returns ROOT_MISMATCH with both roots', () => {
        const tree = treeOf(13);
        const proof = computeInclusionProof(tree, 6, 13);
        proof[1] = Uint8Array.from(proof[1]);
        proof[1][0] ^= 1;
        const result = verifyInclusion(6, 13, leaf(6), proof, tree.root());
        expect(result).to.include({ ok: false, code: 'ROOT_MISMATCH', expected: toHex(tree.root()) });
      });
    });

    describe('when the index is outside the tree', () => {
      it('throws a RangeError', () => {
        expect(() => computeInclusionProof(treeOf(3), 3, 3)).to.throw(RangeError);
      });
    });
  });

  describe('computeConsistencyProof', () => {
    it('produces proofs that verify for every pair of sizes up to 40', () => {
      const tree = treeOf(40);
      for (let size2 = 1; size2 <= 40; size2++) {
        for (let size1 = 1; size1 <= size2; size1++) {
          const proof = computeConsistencyProof(tree, size1, size2);
          const result = verifyConsistency(size1, size2, tree.root(size1), tree.root(size2), proof);
          expect(result.ok, `${size1} → ${size2}: ${JSON.stringify(result)}`).to.equal(true);
        }
      }
    });

    describe('when the second tree is a fork', () => {
      it('returns ROOT_MISMATCH', () => {
        const genuine = treeOf(8);
        const fork = new MemoryTree();
        for (let i = 0; i < 8; i++) fork.append(i === 5 ? leaf(500) : leaf(i));
        const proof = computeConsistencyProof(fork, 4, 8);
        const result = verifyConsistency(4, 8, genuine.root(4), genuine.root(8), proof);
        expect(result).to.include({ ok: false, code: 'ROOT_MISMATCH' });
      });
    });

    describe('when size1 is 0', () => {
      it('throws a RangeError', () => {
        expect(() => computeConsistencyProof(treeOf(3), 0, 3)).to.throw(RangeError);
      });
    });
  });
});
