/**
 * The leaves of a file's DAG (raw leaves, as the profile requires): each
 * 1 MiB block is hashed in BlockHasher's worker — once for its CID, once into
 * the whole file's SHA-256 — then stored and yielded as a raw-leaf child.
 */
import { createHash } from 'node:crypto';
import { cidOf, type DagChild, type DagModules, type PutBlock } from './balanced-file-dag';
import type { HashStream } from './block-hasher';
import { readAhead } from './read-ahead';
import { RAW_CODEC } from './verified-reader';

/** Blocks submitted to the worker ahead of the one being stored, so that hashing and writing overlap. */
const HASH_AHEAD_BLOCKS = 4;

export async function* rawLeaves(modules: DagModules, blocks: AsyncIterable<Uint8Array>, stream: HashStream, put: PutBlock): AsyncGenerator<DagChild> {
  for await (const { size, hashed } of readAhead(submit(blocks, stream), HASH_AHEAD_BLOCKS, () => 1)) {
    const { digest, bytes } = await hashed;
    const cid = cidOf(modules, RAW_CODEC, digest);
    await put(cid, bytes);
    yield { cid, tsize: size, fileSize: size };
  }
}

const EMPTY_SHA256 = createHash('sha256').digest();

/** The leaf of an empty file: one empty raw block, as the importer stores it. */
export async function emptyLeaf(modules: DagModules, put: PutBlock): Promise<DagChild> {
  const cid = cidOf(modules, RAW_CODEC, EMPTY_SHA256);
  await put(cid, new Uint8Array(0));
  return { cid, tsize: 0n, fileSize: 0n };
}

/** Submits each block, in file order, to the hashing worker. */
async function* submit(blocks: AsyncIterable<Uint8Array>, stream: HashStream) {
  for await (const block of blocks) {
    const size = BigInt(block.byteLength); // read first: a block not in shared memory is transferred to the worker
    const hashed = stream.hashBlock(block);
    hashed.catch(() => undefined); // awaited by the consumer; this only keeps an abandoned one from being "unhandled"
    yield { size, hashed };
  }
}
