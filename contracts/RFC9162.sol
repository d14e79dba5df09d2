// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title RFC9162
 * @notice RFC 9162 §2.1 Merkle proof verification with SHA-256 (the `sha256` precompile).
 *
 * Not OpenZeppelin's MerkleProof: that one sorts pairs, uses keccak and has no
 * leaf/node prefixes, so it cannot verify proofs of an RFC 9162 log.
 *
 * Mirrors `server/core/merkle.ts`: one function computes the root(s) a proof
 * implies, another compares them with the expected ones. Nothing here reverts
 * on bad input: every malformed proof is simply "false", so callers decide
 * which error to raise.
 *
 * Bounds: a proof longer than MAX_PROOF_LENGTH is refused before any hashing,
 * and every right-shift of the uint64 indices consumes one of their 64 bits,
 * so each verification does at most 65 hashes and 128 shifts.
 */
library RFC9162 {
    /// @dev A log of 2^63 leaves needs at most 63 + 1 hashes in any proof.
    uint256 internal constant MAX_PROOF_LENGTH = 64;

    /// @dev MTH(D[n]) = SHA-256(0x01 || left || right) (RFC 9162 §2.1.1). The 0x01 prefix
    /// separates interior nodes from leaves (0x00), so a node cannot pass for a leaf.
    function hashChildren(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x01), left, right));
    }

    /**
     * @dev RFC 9162 §2.1.3.2: the root implied by an inclusion proof.
     * Returns ok = false when the proof is too long or has the wrong number of hashes
     * for (leafIndex, treeSize). Requires leafIndex < treeSize (checked by verifyInclusion).
     */
    function computeRootFromInclusionProof(
        bytes32 leafHash,
        uint64 leafIndex,
        uint64 treeSize,
        bytes32[] calldata proof
    ) internal pure returns (bool ok, bytes32 root) {
        if (proof.length > MAX_PROOF_LENGTH || leafIndex >= treeSize) return (false, bytes32(0));
        uint64 fn = leafIndex;
        uint64 sn = treeSize - 1;
        bytes32 r = leafHash;
        for (uint256 i = 0; i < proof.length; ++i) {
            // More hashes than the path from this leaf to the root has: a padded proof.
            if (sn == 0) return (false, bytes32(0));
            if ((fn & 1) == 1 || fn == sn) {
                r = hashChildren(proof[i], r);
                // fn == sn on an even index: the right edge of an unbalanced tree, where
                // the RFC skips the levels at which this node has no right sibling
                // (step "if LSB(fn) is not set, right-shift until LSB(fn) is set or fn is 0").
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = hashChildren(r, proof[i]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        // sn != 0: the proof stopped below the root (a truncated proof).
        if (sn != 0) return (false, bytes32(0));
        return (true, r);
    }

    /**
     * @dev RFC 9162 §2.1.3.2: true iff `proof` shows that `leafHash` is the leaf at
     * `leafIndex` of the tree of `treeSize` leaves whose root is `root`.
     */
    function verifyInclusion(
        bytes32 leafHash,
        uint64 leafIndex,
        uint64 treeSize,
        bytes32[] calldata proof,
        bytes32 root
    ) internal pure returns (bool) {
        (bool ok, bytes32 calculated) = computeRootFromInclusionProof(leafHash, leafIndex, treeSize, proof);
        return ok && calculated == root;
    }

    /**
     * @dev RFC 9162 §2.1.4.2: the (root1, root2) pair implied by a consistency proof.
     * Requires 0 < size1 < size2 and a non-empty proof (checked by verifyConsistency);
     * returns ok = false when the proof is too long or has the wrong number of hashes.
     */
    function computeRootsFromConsistencyProof(
        uint64 size1,
        uint64 size2,
        bytes32 root1,
        bytes32[] calldata proof
    ) internal pure returns (bool ok, bytes32 calculatedRoot1, bytes32 calculatedRoot2) {
        if (proof.length > MAX_PROOF_LENGTH || size1 == 0 || size1 >= size2 || proof.length == 0) {
            return (false, bytes32(0), bytes32(0));
        }
        // Step 2: when size1 is a power of two, the old tree is a complete subtree of the
        // new one and the proof omits its root: the path is root1 followed by the proof.
        // Instead of copying the calldata array, start the iteration one element earlier.
        bool prependRoot1 = (size1 & (size1 - 1)) == 0;
        uint256 next = prependRoot1 ? 0 : 1;
        bytes32 fr = prependRoot1 ? root1 : proof[0];
        bytes32 sr = fr;

        uint64 fn = size1 - 1;
        uint64 sn = size2 - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        for (uint256 i = next; i < proof.length; ++i) {
            bytes32 c = proof[i];
            if (sn == 0) return (false, bytes32(0), bytes32(0));
            if ((fn & 1) == 1 || fn == sn) {
                fr = hashChildren(c, fr);
                sr = hashChildren(c, sr);
                // Same right-edge skip as in the inclusion proof.
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = hashChildren(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) return (false, bytes32(0), bytes32(0));
        return (true, fr, sr);
    }

    /**
     * @dev RFC 9162 §2.1.4.2: true iff `proof` shows that the tree of `size2` leaves with
     * root `root2` extends the tree of `size1` leaves with root `root1` (append-only).
     * Equal sizes are consistent only with an empty proof and equal roots; a proof from
     * the empty tree proves nothing (every tree extends it) and is refused.
     */
    function verifyConsistency(
        uint64 size1,
        uint64 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        if (proof.length > MAX_PROOF_LENGTH) return false;
        if (size1 > size2) return false;
        if (size1 == size2) return proof.length == 0 && root1 == root2;
        if (size1 == 0) return false;
        if (proof.length == 0) return false;
        (bool ok, bytes32 calculated1, bytes32 calculated2) = computeRootsFromConsistencyProof(size1, size2, root1, proof);
        return ok && calculated1 == root1 && calculated2 == root2;
    }
}
