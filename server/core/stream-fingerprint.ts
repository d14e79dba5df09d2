/**
 * One value for "these exact streams": SHA-256 over the canonical list of the
 * per-stream packet hashes, in a fixed order (type, then hash), so a remux
 * that reorders streams or changes the container keeps it. Two files share a
 * fingerprint only if every audio and video stream's packets are identical.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from './jcs';

export interface PacketStreamHash {
  type: 'video' | 'audio';
  codec: string;
  sha256: string;
}

export function streamFingerprint(streams: readonly PacketStreamHash[]): string | null {
  if (streams.length === 0) return null;
  const normalized = streams
    .map(({ type, codec, sha256 }) => ({ type, codec, sha256 }))
    .sort((a, b) => (a.type === b.type ? (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0) : a.type < b.type ? -1 : 1));
  return createHash('sha256').update(canonicalize(normalized)).digest('hex');
}
