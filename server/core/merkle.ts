/**
 * RFC 9162 §2.1 Merkle tree: root, inclusion and consistency proofs.
 *
 * Proof generation reads only hashes of complete (perfect, aligned) subtrees
 * through a SubtreeReader, so a store that keeps those hashes answers any proof
 * with O(log n) reads and never scans the leaves. Verification follows the
 * RFC's algorithms (§2.1.3.2, §2.1.4.2): compute, then compare, and return a
 * structured result instead of throwing.
 *
 * Tree sizes and indices are JavaScript numbers (safe up to 2^53); bit
 * operators are avoided because they truncate to 32 bits.
 */
import { bytesEqual, toHex } from './hex';
import { EMPTY_ROOT, hashChildren, type Hash } from './hash';

export const HASH_LENGTH = 32;
/** The contract refuses longer proofs; a log of 2^63 leaves needs at most 63 + 1. */
export const MAX_PROOF_LENGTH = 64;

export interface SubtreeReader {
  /**
   * Hash of the complete subtree of 2^level leaves starting at leaf index * 2^level.
   * Requires: the subtree lies entirely inside the tree (callers guarantee it).
   */
  subtreeHash(level: number, index: number): Hash;
}

export interface SubtreeNode {
  level: number;
  index: number;
  hash: Hash;
}

/** The largest power of two strictly smaller than n. Requires n > 1. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/**
 * MTH(D[start:end]) for a range that appears in the RFC's recursion, i.e. whose
 * start is aligned to the smallest power of two >= its length. Decomposes the
 * range into perfect subtrees (largest first) and folds them from the right.
 */
export function computeRangeHash(reader: SubtreeReader, start: number, end: number): Hash {
  if (end <= start) throw new RangeError(`empty range [${start}, ${end})`);
  const parts: Hash[] = [];
  let position = start;
  while (position < end) {
    let size = 1;
    let level = 0;
    while (position % (size * 2) === 0 && position + size * 2 <= end) {
      size *= 2;
      level += 1;
    }
    parts.push(reader.subtreeHash(level, position / size));
    position += size;
  }
  let hash = parts[parts.length - 1];
  for (let i = parts.length - 2; i >= 0; i--) hash = hashChildren(parts[i], hash);
  return hash;
}

/** MTH(D[n]); the empty tree's root is SHA-256 of the empty string. */
export function computeRoot(reader: SubtreeReader, treeSize: number): Hash {
  assertSize(treeSize, 'treeSize');
  return treeSize === 0 ? EMPTY_ROOT : computeRangeHash(reader, 0, treeSize);
}

/** PATH(m, D[n]) from RFC 9162 §2.1.3.1. Requires 0 <= leafIndex < treeSize. */
export function computeInclusionProof(reader: SubtreeReader, leafIndex: number, treeSize: number): Hash[] {
  assertSize(treeSize, 'treeSize');
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= treeSize) {
    throw new RangeError(`leafIndex ${leafIndex} is outside a tree of size ${treeSize}`);
  }
  const path: Hash[] = [];
  let start = 0;
  let end = treeSize;
  // Walk down from the root, collecting the sibling of each step; the RFC lists them bottom-up.
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (leafIndex < start + k) {
      path.push(computeRangeHash(reader, start + k, end));
      end = start + k;
    } else {
      path.push(computeRangeHash(reader, start, start + k));
      start = start + k;
    }
  }
  return path.reverse();
}

/** PROOF(m, D[n]) from RFC 9162 §2.1.4.1. Requires 0 < size1 <= size2. */
export function computeConsistencyProof(reader: SubtreeReader, size1: number, size2: number): Hash[] {
  assertSize(size1, 'size1');
  assertSize(size2, 'size2');
  if (size1 === 0 || size1 > size2) {
    throw new RangeError(`no consistency proof from size ${size1} to size ${size2}`);
  }
  const proof: Hash[] = [];
  let start = 0;
  let end = size2;
  let wholeSubtreeIsKnown = true; // the RFC's `b` flag
  // Absolute indices: the RFC's relative m equals (size1 - start) in the subtree [start, end).
  while (size1 !== end) {
    const k = largestPowerOfTwoBelow(end - start);
    if (size1 - start <= k) {
      proof.push(computeRangeHash(reader, start + k, end));
      end = start + k;
    } else {
      proof.push(computeRangeHash(reader, start, start + k));
      start = start + k;
      wholeSubtreeIsKnown = false;
    }
  }
  if (!wholeSubtreeIsKnown) proof.push(computeRangeHash(reader, start, end));
  return proof.reverse();
}

/**
 * The complete subtrees that appending a leaf at `leafIndex` closes, bottom-up:
 * what a store must persist so that later proofs need no leaf scan.
 * Requires: the reader knows every complete subtree left of leafIndex.
 */
export function computeCompletedSubtrees(reader: SubtreeReader, leafIndex: number, leafHash: Hash): SubtreeNode[] {
  const completed: SubtreeNode[] = [];
  let hash = leafHash;
  let index = leafIndex;
  let level = 0;
  while (index % 2 === 1) {
    hash = hashChildren(reader.subtreeHash(level, index - 1), hash);
    index = (index - 1) / 2;
    level += 1;
    completed.push({ level, index, hash });
  }
  return completed;
}

// ---------------------------------------------------------------- verification

export type ProofFailureCode =
  | 'INVALID_HASH_LENGTH'
  | 'INVALID_TREE_SIZE'
  | 'INDEX_OUT_OF_RANGE'
  | 'WRONG_PROOF_SIZE'
  | 'PROOF_TOO_LONG'
  | 'ROOT_MISMATCH';

export type ProofResult =
  | { ok: true; root: string }
  | { ok: false; code: ProofFailureCode; message: string; expected?: string; calculated?: string };

function fail(code: ProofFailureCode, message: string, extra: { expected?: Hash; calculated?: Hash } = {}): ProofResult {
  return {
    ok: false,
    code,
    message,
    ...(extra.expected ? { expected: toHex(extra.expected) } : {}),
    ...(extra.calculated ? { calculated: toHex(extra.calculated) } : {}),
  };
}

function badHash(...hashes: Hash[]): boolean {
  return hashes.some((h) => h.length !== HASH_LENGTH);
}

/**
 * RFC 9162 §2.1.3.2: the root implied by an inclusion proof.
 * Returns null when the proof has the wrong number of hashes for (leafIndex, treeSize).
 */
export function computeRootFromInclusionProof(leafIndex: number, treeSize: number, leafHash: Hash, proof: readonly Hash[]): Hash | null {
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(leafIndex: number, treeSize: number, leafHash: Hash, proof: readonly Hash[], root: Hash): ProofResult {
  if (!isSize(treeSize) || !isSize(leafIndex)) return fail('INVALID_TREE_SIZE', 'tree size and leaf index must be non-negative safe integers');
  if (badHash(leafHash, root, ...proof)) return fail('INVALID_HASH_LENGTH', 'every hash must be 32 bytes');
  if (proof.length > MAX_PROOF_LENGTH) return fail('PROOF_TOO_LONG', `proofs longer than ${MAX_PROOF_LENGTH} hashes are refused`);
  if (leafIndex >= treeSize) return fail('INDEX_OUT_OF_RANGE', `leaf index ${leafIndex} is not below tree size ${treeSize}`);
  const calculated = computeRootFromInclusionProof(leafIndex, treeSize, leafHash, proof);
  if (calculated === null) return fail('WRONG_PROOF_SIZE', `an inclusion proof for leaf ${leafIndex} in a tree of ${treeSize} has a different length than ${proof.length}`);
  if (!bytesEqual(calculated, root)) return fail('ROOT_MISMATCH', 'the proof leads to a different root', { expected: root, calculated });
  return { ok: true, root: toHex(root) };
}

/**
 * RFC 9162 §2.1.4.2: the (root1, root2) pair implied by a consistency proof.
 * Requires 0 < size1 < size2 and a non-empty proof; returns null when the proof
 * has the wrong number of hashes.
 */
export function computeRootsFromConsistencyProof(size1: number, size2: number, root1: Hash, proof: readonly Hash[]): { root1: Hash; root2: Hash } | null {
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? { root1: fr, root2: sr } : null;
}

export function verifyConsistency(size1: number, size2: number, root1: Hash, root2: Hash, proof: readonly Hash[]): ProofResult {
  if (!isSize(size1) || !isSize(size2)) return fail('INVALID_TREE_SIZE', 'tree sizes must be non-negative safe integers');
  if (size1 > size2) return fail('INVALID_TREE_SIZE', `size1 ${size1} is larger than size2 ${size2}`);
  // Every tree extends the empty one; a proof "from size 0" proves nothing, so it is refused.
  if (size1 === 0) return fail('INVALID_TREE_SIZE', 'a consistency proof from the empty tree is meaningless');
  if (size1 === size2) {
    // Equal sizes: the "proof" is the equality of the roots themselves (RFC 9162 §2.1.4.2 step 1).
    if (proof.length !== 0) return fail('WRONG_PROOF_SIZE', 'equal sizes need an empty proof');
    if (!bytesEqual(root1, root2)) return fail('ROOT_MISMATCH', 'equal sizes with different roots', { expected: root2, calculated: root1 });
    return { ok: true, root: toHex(root2) };
  }
  if (badHash(root1, root2, ...proof)) return fail('INVALID_HASH_LENGTH', 'every hash must be 32 bytes');
  if (proof.length > MAX_PROOF_LENGTH) return fail('PROOF_TOO_LONG', `proofs longer than ${MAX_PROOF_LENGTH} hashes are refused`);
  if (proof.length === 0) return fail('WRONG_PROOF_SIZE', 'a consistency proof between different sizes cannot be empty');
  const calculated = computeRootsFromConsistencyProof(size1, size2, root1, proof);
  if (calculated === null) return fail('WRONG_PROOF_SIZE', `a consistency proof from ${size1} to ${size2} has a different length than ${proof.length}`);
  if (!bytesEqual(calculated.root1, root1)) return fail('ROOT_MISMATCH', 'the proof does not lead to the first root', { expected: root1, calculated: calculated.root1 });
  if (!bytesEqual(calculated.root2, root2)) return fail('ROOT_MISMATCH', 'the proof does not lead to the second root', { expected: root2, calculated: calculated.root2 });
  return { ok: true, root: toHex(root2) };
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function assertSize(n: number, name: string): void {
  if (!isSize(n)) throw new RangeError(`${name} must be a non-negative safe integer, got ${n}`);
}

// ---------------------------------------------------------------- in-memory tree

/** A complete in-memory log: for tests, benchmarks and clients that rebuild a mirrored log. */
export class MemoryTree implements SubtreeReader {
  private readonly levels: Hash[][] = [[]];

  get size(): number {
    return this.levels[0].length;
  }

  append(leafHash: Hash): void {
    const leafIndex = this.levels[0].length;
    this.levels[0].push(leafHash);
    for (const node of computeCompletedSubtrees(this, leafIndex, leafHash)) {
      (this.levels[node.level] ??= [])[node.index] = node.hash;
    }
  }

  subtreeHash(level: number, index: number): Hash {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    return hash;
  }

  root(treeSize = this.size): Hash {
    return computeRoot(this, treeSize);
  }
}
