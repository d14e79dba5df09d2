/**
 * The pieces of a UnixFS file, in order, for re-hashing it (audits): every
 * dag-pb node is read and verified against its CID, decoded, and its links
 * followed in order; raw leaves are read in place without a per-block hash
 * (see readLeafForFileHash) and without the copy the exporter makes of every
 * block, with `concurrency` reads in flight. A node whose declared block sizes
 * disagree with its links is refused: the walk must be the file, not a guess.
 */
import type { ShardingStrategy } from 'blockstore-fs/sharding' with { 'resolution-mode': 'import' };
import type { CID } from 'multiformats/cid' with { 'resolution-mode': 'import' };
import { AppError } from '../../core/errors';
import type { DagModules } from './balanced-file-dag';
import { DAG_PB_CODEC, RAW_CODEC, readLeafForFileHash, readVerifiedBlock } from './verified-reader';

type Piece = { leaf: CID } | { data: Uint8Array };

/** Raw leaf CIDs and inline data of the file under `root`, in file order (dag-pb nodes verified on the way). */
async function* pieces(modules: DagModules, blocks: string, layout: ShardingStrategy, root: CID): AsyncGenerator<Piece> {
  if (root.code === RAW_CODEC) {
    yield { leaf: root };
    return;
  }
  if (root.code !== DAG_PB_CODEC) throw new AppError('CONTENT_UNAVAILABLE', `block ${root.toString()} is neither raw nor dag-pb`);
  const node = modules.dagPb.decode(await readVerifiedBlock(blocks, layout, root));
  if (!node.Data) throw new AppError('CONTENT_UNAVAILABLE', `node ${root.toString()} has no UnixFS data`);
  const unixfs = modules.UnixFS.unmarshal(node.Data);
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') throw new AppError('CONTENT_UNAVAILABLE', `node ${root.toString()} is a ${unixfs.type}, not a file`);
  if (unixfs.data && unixfs.data.length > 0) yield { data: unixfs.data };
  if (node.Links.length !== unixfs.blockSizes.length) throw new AppError('CONTENT_UNAVAILABLE', `node ${root.toString()}: block sizes and links disagree`);
  for (const link of node.Links) yield* pieces(modules, blocks, layout, link.Hash as unknown as CID);
}

/** The file's bytes, piece by piece in order, with up to `concurrency` leaf reads ahead. */
export async function* fileChunks(modules: DagModules, blocks: string, layout: ShardingStrategy, root: CID, concurrency: number): AsyncGenerator<Uint8Array> {
  const ahead: Array<Promise<Uint8Array>> = [];
  const read = (piece: Piece) => ('data' in piece ? Promise.resolve(piece.data) : readLeafForFileHash(blocks, layout, piece.leaf));
  try {
    for await (const piece of pieces(modules, blocks, layout, root)) {
      const reading = read(piece);
      // A read that fails while an earlier one is awaited must not count as an
      // unhandled rejection (which ends the process): it is reported when its turn comes.
      reading.catch(() => undefined);
      ahead.push(reading);
      if (ahead.length >= concurrency) yield await ahead.shift()!;
    }
    while (ahead.length > 0) yield await ahead.shift()!;
  } finally {
    // Reads still in flight after a failure or an early stop: let them settle, report nothing twice.
    await Promise.allSettled(ahead);
  }
}
