/**
 * Hashing at the source: the device computes the recording's SHA-256 before
 * it leaves, and sends it as an RFC 9530 `Repr-Digest`, so the server refuses
 * (422 DIGEST_MISMATCH) any upload corrupted on the way instead of logging it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** SHA-256 of a file as lowercase hex, streamed (constant memory). */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `Repr-Digest` header value (`sha-256=:<base64>:`) for a SHA-256 given as hex. */
export function reprDigestHeader(sha256Hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256Hex)) throw new TypeError(`not a lowercase hex SHA-256: "${sha256Hex}"`);
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}
