/**
 * The UnixFS DAG of one file from its raw leaves, laid out exactly as
 * ipfs-unixfs-importer's `balanced` layout does (and so Kubo and Helia):
 * leaves grouped by `maxChildren` under dag-pb `file` nodes, those grouped
 * again, until one root is left; a file of a single leaf is that leaf.
 *
 * Why not the importer itself: on a 1 GiB upload through it the service
 * ran ~27 major GCs ("external memory pressure"), 1.2–1.9 s of CPU on V8's GC
 * threads; the same blocks hashed and written without it: 0–8. The importer
 * stays the reference: test/adapters/balanced-file-dag.test.ts compares the
 * two block for block, and the Kubo vectors pin the result.
 */
import { createHash } from 'node:crypto';
import type { CID } from 'multiformats/cid' with { 'resolution-mode': 'import' };
import { DAG_PB_CODEC, SHA2_256 } from './verified-reader';

/** A child of a file node: a raw leaf, or a file node built here. */
export interface DagChild {
  cid: CID;
  /** The link's Tsize: bytes of the child's block plus all blocks below it. */
  tsize: bigint;
  /** Bytes of the file's content under this child. */
  fileSize: bigint;
}

export interface DagModules {
  CID: typeof import('multiformats/cid', { with: { 'resolution-mode': 'import' } }).CID;
  Digest: typeof import('multiformats/hashes/digest', { with: { 'resolution-mode': 'import' } });
  dagPb: typeof import('@ipld/dag-pb', { with: { 'resolution-mode': 'import' } });
  UnixFS: typeof import('ipfs-unixfs', { with: { 'resolution-mode': 'import' } }).UnixFS;
}

export async function loadDagModules(): Promise<DagModules> {
  const [{ CID }, Digest, dagPb, { UnixFS }] = await Promise.all([
    import('multiformats/cid'),
    import('multiformats/hashes/digest'),
    import('@ipld/dag-pb'),
    import('ipfs-unixfs'),
  ]);
  return { CID, Digest, dagPb, UnixFS };
}


/** Stores one block of the DAG. */
export type PutBlock = (cid: CID, bytes: Uint8Array) => Promise<unknown>;

/** CIDv1 of a block under `codec`, from its SHA-256. */
export function cidOf(modules: DagModules, codec: number, sha256: Uint8Array): CID {
  return modules.CID.createV1(codec, modules.Digest.create(SHA2_256, sha256));
}

/**
 * Builds the file's DAG over `leaves` (in file order), storing each new node
 * with `put`, and returns the root. Holds one group of `maxChildren` leaves
 * at a time, plus the nodes above them (1 per `maxChildren` leaves).
 * `emptyLeaf` is the leaf of an empty file (the importer stores one empty raw block).
 */
export async function buildBalancedFile(
  modules: DagModules,
  leaves: AsyncIterable<DagChild>,
  put: PutBlock,
  options: { maxChildren: number; emptyLeaf: () => Promise<DagChild> },
): Promise<DagChild> {
  let level: DagChild[] = [];
  let group: DagChild[] = [];
  let count = 0;
  let first: DagChild | undefined;
  for await (const leaf of leaves) {
    count += 1;
    if (count === 1) first = leaf;
    group.push(leaf);
    if (group.length === options.maxChildren) {
      level.push(await fileNode(modules, group, put));
      group = [];
    }
  }
  if (count === 0) return options.emptyLeaf();
  if (count === 1) return first!;
  if (group.length > 0) level.push(await fileNode(modules, group, put));
  while (level.length > 1) {
    const above: DagChild[] = [];
    for (let i = 0; i < level.length; i += options.maxChildren) above.push(await fileNode(modules, level.slice(i, i + options.maxChildren), put));
    level = above;
  }
  return level[0];
}

/** One dag-pb `file` node over `children`, as the importer's file reducer makes it. */
async function fileNode(modules: DagModules, children: DagChild[], put: PutBlock): Promise<DagChild> {
  const { dagPb, UnixFS } = modules;
  const unixfs = new UnixFS({ type: 'file' });
  const links: Array<{ Name: string; Tsize: number; Hash: CID }> = [];
  for (const child of children) {
    // The importer leaves out children with no content (only an empty file has such a leaf).
    if (child.fileSize === 0n) continue;
    unixfs.addBlockSize(child.fileSize);
    links.push({ Name: '', Tsize: Number(child.tsize), Hash: child.cid });
  }
  const block = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: links }));
  const cid = cidOf(modules, DAG_PB_CODEC, createHash('sha256').update(block).digest());
  await put(cid, block);
  const below = links.reduce((sum, link) => sum + BigInt(link.Tsize), 0n);
  return { cid, tsize: BigInt(block.byteLength) + below, fileSize: unixfs.fileSize() };
}
