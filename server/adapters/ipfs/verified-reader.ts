/**
 * Reading blocks back for ipfs-unixfs-exporter, which trusts its blockstore:
 * it neither checks that a block hashes to the CID it was asked for, nor
 * bounds how far it reads ahead of its consumer. This reader does both.
 *
 * Threats: a block file flipped on disk (bit rot, a tampering operator) must
 * surface as CONTENT_UNAVAILABLE, never as wrong evidence bytes; a slow or
 * stalled HTTP client must not make the server buffer a whole file.
 */
import { createHash } from 'node:crypto';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShardingStrategy } from 'blockstore-fs/sharding' with { 'resolution-mode': 'import' };
import type { ReadableStorage } from 'ipfs-unixfs-exporter' with { 'resolution-mode': 'import' };
import type { CID } from 'multiformats/cid' with { 'resolution-mode': 'import' };
import { AppError } from '../../core/errors';

export const SHA2_256 = 0x12;
export const RAW_CODEC = 0x55;
export const DAG_PB_CODEC = 0x70;

/**
 * Reads a block file and checks that its SHA-256 equals the CID's digest.
 * Only sha2-256 is accepted: it is the profile's hash, and accepting e.g. the
 * identity hash would let a CID carry "content" the store never held.
 */
export async function readVerifiedBlock(root: string, layout: ShardingStrategy, cid: CID): Promise<Uint8Array> {
  const id = cid.toString();
  if (cid.multihash.code !== SHA2_256) {
    throw new AppError('CONTENT_UNAVAILABLE', `block ${id} does not use sha2-256`, { details: { cid: id } });
  }
  const { dir, file } = layout.encode(cid);
  let bytes: Buffer;
  try {
    bytes = await readFile(join(root, dir, file));
  } catch (error) {
    throw new AppError('CONTENT_UNAVAILABLE', `block ${id} is not in the store`, { cause: error, details: { cid: id } });
  }
  const calculated = createHash('sha256').update(bytes).digest();
  if (!calculated.equals(cid.multihash.digest)) {
    throw new AppError('CONTENT_UNAVAILABLE', `block ${id} is corrupt: its bytes do not hash to its CID`, {
      details: { cid: id, expected: Buffer.from(cid.multihash.digest).toString('hex'), calculated: calculated.toString('hex') },
    });
  }
  return bytes;
}

/**
 * Bounds the raw leaves read but not yet taken by the consumer. The exporter
 * pushes each leaf it reads into an unbounded queue and yields exactly one
 * chunk per raw leaf, so counting leaves in (acquire, before reading) and
 * chunks out (release, after the consumer took one) bounds memory to about
 * `limit` blocks. dag-pb nodes are not counted: they yield no chunk of their
 * own and are few (one per 1024 leaves).
 */
export class ReadWindow {
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    while (!this.closed && this.inFlight >= this.limit) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    // The consumer is gone: fail the exporter's background walk instead of
    // letting it read the rest of the range for nobody.
    if (this.closed) throw new AppError('CONTENT_UNAVAILABLE', 'the read was cancelled');
    this.inFlight++;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.waiters.shift()?.();
  }

  close(): void {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** A ReadableStorage for the exporter: verified blocks, raw leaves paced by `window`. */
export function verifiedBlockSource(root: string, layout: ShardingStrategy, window: ReadWindow): ReadableStorage {
  return {
    async *get(cid: CID): AsyncGenerator<Uint8Array> {
      if (cid.code === RAW_CODEC) await window.acquire();
      yield await readVerifiedBlock(root, layout, cid);
    },
  };
}

/**
 * A raw leaf read for re-hashing a whole file (audits): its bytes are not
 * hashed against its CID here, because the caller hashes the whole file and
 * compares it with the logged SHA-256. With every dag-pb node verified, the
 * file hash matching means every leaf holds its original bytes, so each leaf
 * also matches its CID; a leaf that differs changes the file hash.
 */
export async function readLeafForFileHash(root: string, layout: ShardingStrategy, cid: CID): Promise<Uint8Array> {
  if (cid.code !== RAW_CODEC) return readVerifiedBlock(root, layout, cid);
  const { dir, file } = layout.encode(cid);
  let handle: FileHandle;
  try {
    handle = await open(join(root, dir, file), 'r');
  } catch (error) {
    throw new AppError('CONTENT_UNAVAILABLE', `block ${cid.toString()} is not in the store`, { cause: error, details: { cid: cid.toString() } });
  }
  try {
    // One buffer of the block's size, read in place: readFile would read in pieces and copy them
    // together, and that copy was the largest cost of re-hashing a file.
    const { size } = await handle.stat();
    const bytes = Buffer.allocUnsafeSlow(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === size ? bytes : bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
