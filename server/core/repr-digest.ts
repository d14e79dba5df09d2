/**
 * RFC 9530 `Repr-Digest` for SHA-256: `sha-256=:<base64>:`. The device writes
 * it (recorder/) and the server reads it (POST /v1/evidence); one module so
 * both agree on the shape.
 */
import { AppError } from './errors';
import { toHex } from './hex';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The header value for a SHA-256 given as lowercase hex. */
export function formatReprDigest(sha256Hex: string): string {
  if (!SHA256_HEX.test(sha256Hex)) throw new TypeError(`not a lowercase hex SHA-256: "${sha256Hex}"`);
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}

/**
 * The SHA-256 (lowercase hex) from a Repr-Digest dictionary, or undefined if
 * the header is absent. Other algorithms may be listed; sha-256 must be.
 */
export function parseReprDigest(header: string): string | undefined {
  if (header.trim() === '') return undefined;
  let sha256: string | undefined;
  for (const member of header.split(',').map((m) => m.trim())) {
    const match = /^([a-z0-9-]+)=:([A-Za-z0-9+/]*={0,2}):$/.exec(member);
    if (!match) throw new AppError('INVALID_DIGEST_HEADER', 'Repr-Digest must look like sha-256=:<base64>:');
    if (match[1] !== 'sha-256') continue;
    const bytes = Buffer.from(match[2], 'base64');
    // Buffer.from ignores bad padding; the round trip refuses anything but canonical base64.
    if (bytes.length !== 32 || bytes.toString('base64') !== match[2]) {
      throw new AppError('INVALID_DIGEST_HEADER', 'the sha-256 Repr-Digest must be 32 bytes of base64');
    }
    sha256 = toHex(bytes);
  }
  if (sha256 === undefined) throw new AppError('INVALID_DIGEST_HEADER', 'Repr-Digest has no sha-256 member, the only algorithm supported');
  return sha256;
}
