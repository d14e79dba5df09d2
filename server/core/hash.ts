/** RFC 9162 §2.1.1 hashing: SHA-256 with domain separation prefixes for leaves and nodes. */
import { createHash } from 'node:crypto';

export type Hash = Uint8Array;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function sha256(data: Uint8Array): Hash {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** MTH({d}) = SHA-256(0x00 || d) */
export function hashLeaf(data: Uint8Array): Hash {
  return new Uint8Array(createHash('sha256').update(LEAF_PREFIX).update(data).digest());
}

/** MTH(D[n]) = SHA-256(0x01 || left || right) */
export function hashChildren(left: Hash, right: Hash): Hash {
  return new Uint8Array(createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest());
}

/** MTH({}) = SHA-256() */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));
