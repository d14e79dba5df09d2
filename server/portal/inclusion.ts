/**
 * The proof check the browser does itself (RFC 9162 §2.1.3.2): the leaf hash
 * recomputed from the event's canonical JSON, then the inclusion proof folded
 * up to a root that must equal the bundle's. Compute-then-compare, as in
 * server/core/merkle.ts, with SHA-256 from hash-wasm (no Node in the page).
 */
import { createSHA256 } from 'hash-wasm';
import { canonicalBytes } from '../core/jcs';

const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const hasher = await createSHA256();
  hasher.init();
  for (const part of parts) hasher.update(part);
  return hasher.digest('binary');
}

export interface InclusionResult {
  ok: boolean;
  leafHash: string;
  /** The root the proof leads to (null if the proof has the wrong length). */
  calculatedRoot: string | null;
}

export async function checkInclusion(bundle: { event: unknown; leafIndex: number; treeSize: number; rootHash: string; inclusionProof: string[] }): Promise<InclusionResult> {
  const leaf = await sha256(Uint8Array.of(0x00), canonicalBytes(bundle.event));
  let fn = bundle.leafIndex;
  let sn = bundle.treeSize - 1;
  let r = leaf;
  if (fn > sn) return { ok: false, leafHash: toHex(leaf), calculatedRoot: null };
  for (const hex of bundle.inclusionProof) {
    const p = fromHex(hex);
    if (sn === 0) return { ok: false, leafHash: toHex(leaf), calculatedRoot: null };
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(Uint8Array.of(0x01), p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await sha256(Uint8Array.of(0x01), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const calculated = toHex(r);
  return { ok: sn === 0 && calculated === bundle.rootHash, leafHash: toHex(leaf), calculatedRoot: sn === 0 ? calculated : null };
}

/** Streaming SHA-256 of a file of any size, never loaded whole; `onProgress` gets the bytes hashed so far. */
export async function hashFile(file: Blob, onProgress: (done: number) => void): Promise<string> {
  const hasher = await createSHA256();
  hasher.init();
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    hasher.update(value);
    done += value.length;
    onProgress(done);
  }
  return hasher.digest('hex');
}
