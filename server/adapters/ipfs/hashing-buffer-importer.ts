/**
 * The importer's leaf step (raw leaves, as the profile requires), with the
 * hashing moved to BlockHasher's worker: each 1 MiB block is hashed once for
 * its CID and once into the whole file's SHA-256, off the main thread.
 * Equivalent to ipfs-unixfs-importer's defaultBufferImporter for
 * `rawLeaves: true` (same CIDs: pinned by the vector tests).
 */
import type { BufferImporter } from 'ipfs-unixfs-importer' with { 'resolution-mode': 'import' };
import type { HashStream } from './block-hasher';
import type { BlockPool } from './block-pool';
import { RAW_CODEC, SHA2_256 } from './verified-reader';
import { readAhead } from './read-ahead';

const HASH_AHEAD_BLOCKS = 4;

export async function hashingBufferImporter(stream: HashStream, pool: BlockPool): Promise<BufferImporter> {
  const [{ CID }, Digest] = await Promise.all([import('multiformats/cid'), import('multiformats/hashes/digest')]);
  return async function* bufferImporter(file, blockstore) {
    // Blocks are submitted to the worker as soon as they are read, up to
    // HASH_AHEAD_BLOCKS ahead of the importer, which otherwise reads, hashes
    // and writes each batch in turn and leaves the worker idle in between.
    const submitted = readAhead(submit(file.content, stream, pool), HASH_AHEAD_BLOCKS, () => 1);
    for await (const { size, hashed } of submitted) {
      yield async () => {
        const { digest, bytes } = await hashed;
        const cid = CID.createV1(RAW_CODEC, Digest.create(SHA2_256, digest));
        await blockstore.put(cid, bytes);
        return { cid, size, block: bytes };
      };
    }
  };
}

/** Submits each block, in file order, to the hashing worker. */
async function* submit(blocks: AsyncIterable<Uint8Array>, stream: HashStream, pool: BlockPool) {
  for await (const block of blocks) {
    const size = BigInt(block.byteLength); // read before the block is transferred to the worker
    const pooled = pool.owns(block);
    const hashed = stream.hashBlock(block, pooled).then((result) => {
      if (pooled) pool.adopt(result.bytes); // back from the worker under a new identity
      return result;
    });
    hashed.catch(() => undefined); // awaited by the task; this only keeps an abandoned one from being "unhandled"
    yield { size, hashed };
  }
}
