// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {RFC9162} from "./RFC9162.sol";

/**
 * @title CustosLog
 * @notice Anchors the tree heads of ONE append-only RFC 9162 Merkle log.
 *
 * Threat model: the anchorer's key may be stolen, or the log server may try to
 * rewrite history. Every head after the first must come with an RFC 9162
 * consistency proof from the latest anchored head, verified here on-chain, so
 * even the anchorer can only extend the anchored log, never fork or shrink it.
 * The first head is trusted on first use: anyone auditing the log checks it
 * off-chain against the log's own records.
 *
 * Notary witnessing (区块链+公证): a notary office's chain account, holding
 * NOTARY_ROLE, may cosign any anchored head. A cosignature adds no trust to the
 * proofs; it records that the notary saw exactly that root at that size, so a
 * court can rely on the notary's attestation as well as on the chain.
 */
contract CustosLog is AccessControl {
    /// @notice May anchor new tree heads.
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    /// @notice May cosign anchored tree heads; granted and revoked by DEFAULT_ADMIN_ROLE.
    /// AUDITOR_ROLE comes later, with the functions that need it.
    bytes32 public constant NOTARY_ROLE = keccak256("NOTARY_ROLE");

    /// @notice Longest consistency or inclusion proof accepted (enough for 2^63 leaves).
    uint256 public constant MAX_PROOF_LENGTH = RFC9162.MAX_PROOF_LENGTH;

    struct TreeHead {
        bytes32 rootHash;
        // Non-zero for every anchored head (block timestamps are), so it doubles as "exists".
        uint64 anchoredAt;
    }

    mapping(uint64 treeSize => TreeHead) private _heads;
    uint64 private _latestTreeSize;
    // Block timestamp of each cosignature; non-zero means "cosigned", as for TreeHead.anchoredAt.
    mapping(uint64 treeSize => mapping(address notary => uint64 cosignedAt)) private _cosignedAt;

    /// @notice A tree head was anchored.
    event TreeHeadAnchored(uint64 indexed treeSize, bytes32 rootHash, uint64 anchoredAt);
    /// @notice A notary cosigned the anchored head at `treeSize`.
    event HeadCosigned(uint64 indexed treeSize, address indexed notary, bytes32 rootHash, uint64 cosignedAt);

    /// @dev A tree head must cover at least one leaf.
    error CustosLogEmptyTree();
    /// @dev Heads are anchored in strictly increasing size; `latestTreeSize` is already anchored.
    error CustosLogTreeSizeNotIncreasing(uint64 latestTreeSize, uint64 treeSize);
    /// @dev The consistency proof does not show that `toSize` extends the anchored head at `fromSize`.
    error CustosLogInconsistentHead(uint64 fromSize, uint64 toSize);
    /// @dev The proof has more hashes than any valid proof can have.
    error CustosLogProofTooLong(uint256 length, uint256 maxLength);
    /// @dev The first head has nothing to be consistent with, so it takes no proof.
    error CustosLogUnexpectedProof();
    /// @dev Only anchored heads can be cosigned; no head of `treeSize` leaves was anchored.
    error CustosLogHeadNotAnchored(uint64 treeSize);
    /// @dev The notary cosigned `rootHash`, but the head anchored at `treeSize` has `anchoredRoot`.
    error CustosLogRootMismatch(uint64 treeSize, bytes32 anchoredRoot, bytes32 rootHash);
    /// @dev `notary` has already cosigned the head at `treeSize`.
    error CustosLogAlreadyCosigned(address notary, uint64 treeSize);

    /**
     * @notice Grants DEFAULT_ADMIN_ROLE to `admin` and ANCHORER_ROLE to `anchorer`.
     */
    constructor(address admin, address anchorer) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHORER_ROLE, anchorer);
    }

    /**
     * @notice Anchors the head (`treeSize`, `rootHash`) of the log.
     *
     * Requirements:
     * - the caller has ANCHORER_ROLE;
     * - `treeSize` > 0;
     * - `consistencyProof` has at most MAX_PROOF_LENGTH hashes;
     * - for the first head: `consistencyProof` is empty;
     * - for every later head: `treeSize` is larger than the latest anchored size and
     *   `consistencyProof` is a valid RFC 9162 §2.1.4 consistency proof from the latest
     *   anchored head to (`treeSize`, `rootHash`).
     *
     * Emits a {TreeHeadAnchored} event.
     */
    function anchorHead(
        uint64 treeSize,
        bytes32 rootHash,
        bytes32[] calldata consistencyProof
    ) external onlyRole(ANCHORER_ROLE) {
        if (treeSize == 0) revert CustosLogEmptyTree();
        if (consistencyProof.length > MAX_PROOF_LENGTH) {
            revert CustosLogProofTooLong(consistencyProof.length, MAX_PROOF_LENGTH);
        }
        uint64 latest = _latestTreeSize;
        if (latest == 0) {
            if (consistencyProof.length != 0) revert CustosLogUnexpectedProof();
        } else {
            // Equal sizes are refused too: re-anchoring a size could only repeat a root or fork it.
            if (treeSize <= latest) revert CustosLogTreeSizeNotIncreasing(latest, treeSize);
            if (!RFC9162.verifyConsistency(latest, treeSize, _heads[latest].rootHash, rootHash, consistencyProof)) {
                revert CustosLogInconsistentHead(latest, treeSize);
            }
        }
        uint64 anchoredAt = uint64(block.timestamp);
        _heads[treeSize] = TreeHead({rootHash: rootHash, anchoredAt: anchoredAt});
        _latestTreeSize = treeSize;
        emit TreeHeadAnchored(treeSize, rootHash, anchoredAt);
    }

    /**
     * @notice Cosigns, as the calling notary, the anchored head (`treeSize`, `rootHash`).
     *
     * The notary passes the root it checked off-chain rather than signing whatever is
     * anchored, so a cosignature can only ever attest the root the notary actually saw.
     * Any anchored head can be cosigned, not only the latest one.
     *
     * Requirements:
     * - the caller has NOTARY_ROLE;
     * - a head of exactly `treeSize` leaves is anchored;
     * - `rootHash` equals the root anchored at `treeSize`;
     * - the caller has not cosigned that head yet.
     *
     * Emits a {HeadCosigned} event.
     */
    function cosignHead(uint64 treeSize, bytes32 rootHash) external onlyRole(NOTARY_ROLE) {
        TreeHead storage head = _heads[treeSize];
        if (head.anchoredAt == 0) revert CustosLogHeadNotAnchored(treeSize);
        bytes32 anchoredRoot = head.rootHash;
        if (rootHash != anchoredRoot) revert CustosLogRootMismatch(treeSize, anchoredRoot, rootHash);
        if (_cosignedAt[treeSize][msg.sender] != 0) revert CustosLogAlreadyCosigned(msg.sender, treeSize);
        uint64 cosignedAt_ = uint64(block.timestamp);
        _cosignedAt[treeSize][msg.sender] = cosignedAt_;
        emit HeadCosigned(treeSize, msg.sender, rootHash, cosignedAt_);
    }

    /**
     * @notice When `notary` cosigned the head anchored at `treeSize` (block timestamp);
     * 0 if it never did. A cosignature stays recorded after the notary's role is revoked.
     */
    function cosignedAt(uint64 treeSize, address notary) external view returns (uint64) {
        return _cosignedAt[treeSize][notary];
    }

    /**
     * @notice The latest anchored head; all zero before the first anchor.
     */
    function latestHead() external view returns (uint64 treeSize, bytes32 rootHash, uint64 anchoredAt) {
        TreeHead storage head = _heads[_latestTreeSize];
        return (_latestTreeSize, head.rootHash, head.anchoredAt);
    }

    /**
     * @notice The head anchored for exactly `treeSize` leaves; zero if that size was never anchored.
     */
    function headAt(uint64 treeSize) external view returns (bytes32 rootHash, uint64 anchoredAt) {
        TreeHead storage head = _heads[treeSize];
        return (head.rootHash, head.anchoredAt);
    }

    /**
     * @notice Whether `proof` is a valid RFC 9162 §2.1.3 inclusion proof of `leafHash` at
     * `leafIndex` in the anchored head of exactly `treeSize` leaves.
     *
     * Returns false (never reverts) when that size was never anchored, when
     * `leafIndex` >= `treeSize`, or when the proof is malformed or too long.
     */
    function verifyInclusion(
        bytes32 leafHash,
        uint64 leafIndex,
        uint64 treeSize,
        bytes32[] calldata proof
    ) external view returns (bool) {
        TreeHead storage head = _heads[treeSize];
        if (head.anchoredAt == 0) return false;
        return RFC9162.verifyInclusion(leafHash, leafIndex, treeSize, proof, head.rootHash);
    }

    /**
     * @notice Whether `proof` is a valid RFC 9162 §2.1.4 consistency proof that the tree
     * (`size2`, `root2`) extends the tree (`size1`, `root1`). Pure: reads no anchored state,
     * so anyone can check proofs between heads with the same code the contract enforces.
     *
     * Returns false (never reverts) when size1 > size2, when size1 is 0 and the sizes
     * differ, for equal sizes unless the proof is empty and the roots are equal, and when
     * the proof is malformed or longer than MAX_PROOF_LENGTH.
     */
    function verifyConsistency(
        uint64 size1,
        uint64 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return RFC9162.verifyConsistency(size1, size2, root1, root2, proof);
    }
}
