/**
 * Hashing at the source: the device computes the recording's SHA-256 before
 * it leaves, and sends it as an RFC 9530 `Repr-Digest`, so the server refuses
 * (422 DIGEST_MISMATCH) any upload corrupted on the way instead of logging it.
 * The same code the server reads the header with, so both agree on its shape.
 */
export { sha256OfFile } from '../server/file-sha256';
export { formatReprDigest as reprDigestHeader } from '../server/core/repr-digest';
