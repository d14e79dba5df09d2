/**
 * Embedded IPFS content store: UnixFS files (profile `unixfs-v1-2025`) in a
 * directory of block files, without a libp2p node.
 *
 * Layout under `directory`:
 *   blocks/        committed blocks, a blockstore-fs FsBlockstore (default layout,
 *                  so any FsBlockstore, e.g. a Helia node's, can open it)
 *   staging/<id>/  one flat directory of block files per put(), until commit() or discard()
 *   pins/<cid>     one empty file per pinned CID
 *
 * Invariants: nothing in staging is visible to get()/has(); commit() adds
 * blocks to blocks/ but never deletes or replaces one (other content may share
 * it); the root block is added last, so has(cid) implies every block is there.
 * Every block read is checked against its CID.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FsBlockstore } from 'blockstore-fs' with { 'resolution-mode': 'import' };
import type { ShardingStrategy } from 'blockstore-fs/sharding' with { 'resolution-mode': 'import' };
import type { CID } from 'multiformats/cid' with { 'resolution-mode': 'import' };
import { AppError, isAppError } from '../../core/errors';
import { storageFullFrom } from '../../core/storage-full';
import type { ByteRange, ContentStore, StagedContent } from '../../ports';
import { UNIXFS_PROFILE_NAME, UNIXFS_V1_2025 } from './unixfs-profile';
import { StagingWriter, adoptBlockFile, forEachLimited, fsyncPath } from './staging-area';
import { DAG_PB_CODEC, RAW_CODEC, ReadWindow, SHA2_256, verifiedBlockSource } from './verified-reader';
import { fileChunks } from './file-leaves';
import { BlockHasher } from './block-hasher';
import { buildBalancedFile, loadDagModules } from './balanced-file-dag';
import { emptyLeaf, rawLeaves } from './raw-leaves';
import { readAhead } from './read-ahead';
import { BlockPool, SharedBlockCache, regroup } from './block-pool';

export interface UnixfsStoreOptions {
  directory: string;
  /**
   * fsync every staged block, and the directories that name them, before
   * commit() resolves, so committed content survives a power loss. Off by
   * default: the disks we run on take ~350 MB/s synced (`dd conv=fsync`),
   * which would cap ingest below its target; see scripts/bench-content-store.ts.
   * Without it, a power loss can leave a committed block truncated: reads
   * detect that (CONTENT_UNAVAILABLE), but a later commit of the same block
   * keeps the damaged file, since it never replaces an existing one.
   */
  fsyncOnCommit?: boolean;
}

/** Bytes of the source read ahead of the hashing during put(). */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;
/** Blocks (1 MiB each) hashed but not yet written, during put(). */
const MAX_QUEUED_WRITES = 8;
/** 1 MiB buffers one put() may hold: enough for every stage above to be full at once. */
const POOLED_BLOCKS = 24;
/** 1 MiB buffers kept for the next put() once one has ended. */
const IDLE_BLOCKS = POOLED_BLOCKS;
/** Raw leaves (1 MiB each) read ahead of the consumer by get(). */
const READ_AHEAD_BLOCKS = 8;
const BLOCK_READ_CONCURRENCY = 4;
/** Chunks handed to the hash worker and not yet folded, at most (digest()). */
const HASH_IN_FLIGHT = 16;
/** Leaf reads in flight in digest(): they overlap each other and the hashing. */
const DIGEST_READ_CONCURRENCY = 8;
const COMMIT_CONCURRENCY = 16;

type Modules = Awaited<ReturnType<typeof loadModules>>;

/** The IPFS packages are ESM-only: load them with import() from this CommonJS project. */
async function loadModules() {
  const [dag, exporter, blockstore, sharding] = await Promise.all([
    loadDagModules(),
    import('ipfs-unixfs-exporter'),
    import('blockstore-fs'),
    import('blockstore-fs/sharding'),
  ]);
  return {
    dag,
    exporter: exporter.exporter,
    FsBlockstore: blockstore.FsBlockstore,
    NextToLast: sharding.NextToLast,
    CID: dag.CID,
  };
}

export async function createUnixfsStore(options: UnixfsStoreOptions): Promise<ContentStore> {
  const modules = await loadModules();
  const paths = {
    blocks: join(options.directory, 'blocks'),
    staging: join(options.directory, 'staging'),
    pins: join(options.directory, 'pins'),
  };
  await Promise.all(Object.values(paths).map((path) => mkdir(path, { recursive: true })));
  // One strategy object for blocks/ and every staging directory: commit()
  // moves files by relative path, correct only if both map a CID to the same one.
  const layout = new modules.NextToLast();
  const blocks = new modules.FsBlockstore(paths.blocks, { shardingStrategy: layout });
  await blocks.open();
  return new UnixfsStore(modules, paths, layout, blocks, options);
}

interface StorePaths {
  blocks: string;
  staging: string;
  pins: string;
}

class UnixfsStore implements ContentStore {
  readonly profile = UNIXFS_PROFILE_NAME;
  /** Staging directories of puts not yet committed or discarded; cleanStaging() spares them. */
  private readonly active = new Set<string>();
  private readonly hasher = new BlockHasher();
  private readonly blockBuffers = new SharedBlockCache(UNIXFS_V1_2025.chunkSize, IDLE_BLOCKS);
  private closed = false;

  constructor(
    private readonly modules: Modules,
    private readonly paths: StorePaths,
    private readonly layout: ShardingStrategy,
    private readonly blocks: FsBlockstore,
    private readonly options: UnixfsStoreOptions,
  ) {}

  async put(source: AsyncIterable<Uint8Array>): Promise<StagedContent> {
    this.assertOpen();
    const id = randomUUID();
    const pool = new BlockPool(this.blockBuffers, POOLED_BLOCKS);
    const writer = new StagingWriter(join(this.paths.staging, id), this.layout, MAX_QUEUED_WRITES, (bytes) => pool.release(bytes));
    const input = measure(readAhead(source, READ_AHEAD_BYTES));
    const hashing = this.hasher.openStream();
    this.active.add(id);
    try {
      const { dag } = this.modules;
      const leaves = rawLeaves(dag, regroup(input.stream, pool), hashing, writer.put);
      const root = await buildBalancedFile(dag, leaves, writer.put, {
        maxChildren: UNIXFS_V1_2025.maxChildrenPerNode,
        emptyLeaf: () => emptyLeaf(dag, writer.put),
      });
      await writer.flush();
      const sha256 = Buffer.from(await hashing.finish()).toString('hex');
      return new Staged(root.cid.toString(), input.bytes(), sha256, {
        commit: () => this.commitStaging(id, writer, root.cid),
        discard: () => this.removeStaging(id, writer.root),
      });
    } catch (error) {
      hashing.drop();
      await writer.abort();
      await this.removeStaging(id, writer.root);
      // The caller's own error (e.g. the client aborted the upload) goes back unchanged.
      if (input.failed(error) || isAppError(error)) throw error;
      throw storageFullFrom(error) ?? new AppError('CONTENT_UNAVAILABLE', 'could not stage the content', { cause: error });
    } finally {
      pool.close();
    }
  }

  async *get(cid: string, range?: ByteRange): AsyncGenerator<Uint8Array> {
    this.assertOpen();
    const root = this.parseCid(cid);
    if (!isStorable(root)) throw unavailable(cid, 'this store holds no content with such a CID');
    const window = new ReadWindow(READ_AHEAD_BLOCKS);
    try {
      const source = verifiedBlockSource(this.paths.blocks, this.layout, window);
      const entry = await this.modules.exporter(root, source);
      if (entry.type !== 'file' && entry.type !== 'raw') throw unavailable(cid, `the CID names a ${entry.type}, not a file`);
      const { offset, length } = resolveRange(range, Number(entry.size));
      if (length === 0) return;
      for await (const chunk of entry.content({ offset, length, blockReadConcurrency: BLOCK_READ_CONCURRENCY })) {
        yield chunk;
        window.release();
      }
    } catch (error) {
      // Bytes already yielded were verified; what follows a failure is never sent.
      if (isAppError(error)) throw error;
      throw new AppError('CONTENT_UNAVAILABLE', `could not read ${cid}`, { cause: error, details: { cid } });
    } finally {
      window.close();
    }
  }

  async digest(cid: string, onChunk?: (bytes: number) => Promise<void>): Promise<{ sha256: string; size: number }> {
    this.assertOpen();
    const root = this.parseCid(cid);
    if (!isStorable(root)) throw unavailable(cid, 'this store holds no content with such a CID');
    const stream = this.hasher.openStream();
    // At most this many chunks wait in the worker: memory stays bounded when hashing is the slower side.
    const inFlight: Array<Promise<void>> = [];
    let size = 0;
    try {
      for await (const chunk of fileChunks(this.modules.dag, this.paths.blocks, this.layout, root, DIGEST_READ_CONCURRENCY)) {
        const length = chunk.length; // read before the transfer detaches the chunk
        size += length;
        // Transfer the chunk's memory to the worker when it owns all of it; copy otherwise.
        const owned = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : new Uint8Array(chunk);
        const folding = stream.fold(owned);
        folding.catch(() => undefined); // reported in order, below; meanwhile not an unhandled rejection
        inFlight.push(folding);
        if (inFlight.length >= HASH_IN_FLIGHT) await inFlight.shift();
        await onChunk?.(length);
      }
      await Promise.all(inFlight);
      return { sha256: Buffer.from(await stream.finish()).toString('hex'), size };
    } catch (error) {
      stream.drop();
      await Promise.allSettled(inFlight);
      if (isAppError(error)) throw error;
      throw new AppError('CONTENT_UNAVAILABLE', `could not read ${cid}`, { cause: error, details: { cid } });
    }
  }

  async has(cid: string): Promise<boolean> {
    this.assertOpen();
    const parsed = this.parseCid(cid);
    return isStorable(parsed) && (await this.blocks.has(parsed));
  }

  async pin(cid: string): Promise<void> {
    this.assertOpen();
    const parsed = this.parseCid(cid);
    if (!(isStorable(parsed) && (await this.blocks.has(parsed)))) throw unavailable(cid, 'cannot pin content that is not in the store');
    await writeFile(join(this.paths.pins, parsed.toV1().toString()), '');
  }

  async unpin(cid: string): Promise<void> {
    this.assertOpen();
    await rm(join(this.paths.pins, this.parseCid(cid).toV1().toString()), { force: true });
  }

  async cleanStaging(): Promise<void> {
    this.assertOpen();
    const leftovers = (await readdir(this.paths.staging)).filter((name) => !this.active.has(name));
    await Promise.all(leftovers.map((name) => rm(join(this.paths.staging, name), { recursive: true, force: true })));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.hasher.close();
    await this.blocks.close();
  }

  private async commitStaging(id: string, writer: StagingWriter, root: CID): Promise<void> {
    this.assertOpen();
    const stagingDir = writer.root;
    try {
      const { dir, file } = this.layout.encode(root);
      const rootPath = join(dir, file);
      const files = [...writer.files];
      if (!writer.files.has(rootPath)) throw new AppError('INTERNAL', `staged root block ${root} is missing`);
      const others = files.filter((path) => path !== rootPath);
      const sync = this.options.fsyncOnCommit === true;
      const adopt = (path: string) => adoptBlockFile(writer.stagedPath(path), join(this.paths.blocks, path));
      if (sync) await forEachLimited(files, COMMIT_CONCURRENCY, (path) => fsyncPath(writer.stagedPath(path)));
      await forEachLimited(others, COMMIT_CONCURRENCY, adopt);
      // Every other block is named in blocks/ (durably if sync) before the root appears.
      if (sync) await this.fsyncBlockDirs(others);
      await adopt(rootPath);
      if (sync) await this.fsyncBlockDirs([rootPath]);
    } catch (error) {
      if (isAppError(error)) throw error;
      throw new AppError('CONTENT_UNAVAILABLE', `could not commit ${root}`, { cause: error, details: { cid: root.toString() } });
    }
    await this.removeStaging(id, stagingDir); // committed from here on
  }

  private async fsyncBlockDirs(relativePaths: string[]): Promise<void> {
    const dirs = [...new Set(relativePaths.map((path) => join(this.paths.blocks, dirname(path))))];
    await forEachLimited([...dirs, this.paths.blocks], COMMIT_CONCURRENCY, fsyncPath);
  }

  /**
   * Best effort, never throws: a staging directory that will not go away is
   * only litter (cleanStaging() removes it at the next start), and a failure
   * here must not hide the outcome of the put, commit or discard it ends.
   */
  private async removeStaging(id: string, stagingDir: string): Promise<void> {
    await rm(stagingDir, { recursive: true, force: true }).catch(() => undefined);
    this.active.delete(id); // if rm failed, cleanStaging() may now take it
  }

  private parseCid(cid: string): CID {
    try {
      return this.modules.CID.parse(cid);
    } catch (error) {
      throw new AppError('BAD_REQUEST', 'not a valid CID', { cause: error, details: { cid: cid.slice(0, 100) } });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('CONTENT_UNAVAILABLE', 'the content store is closed');
  }
}

type StagedState = 'staged' | 'committed' | 'discarded';

/** commit() and discard() run one at a time, each idempotent; commit after discard is a caller bug. */
class Staged implements StagedContent {
  private state: StagedState = 'staged';
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly cid: string,
    readonly size: number,
    readonly sha256: string,
    private readonly actions: { commit(): Promise<void>; discard(): Promise<void> },
  ) {}

  commit(): Promise<void> {
    return this.serialize(async () => {
      if (this.state === 'committed') return;
      if (this.state === 'discarded') throw new AppError('INTERNAL', `staged content ${this.cid} was discarded, it cannot be committed`);
      await this.actions.commit();
      this.state = 'committed';
    });
  }

  discard(): Promise<void> {
    return this.serialize(async () => {
      if (this.state !== 'staged') return;
      await this.actions.discard();
      this.state = 'discarded';
    });
  }

  private serialize(action: () => Promise<void>): Promise<void> {
    const run = this.queue.then(action);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Counts the bytes of the caller's stream and remembers whether the stream itself failed. */
function measure(source: AsyncIterable<Uint8Array>) {
  let bytes = 0;
  let failure: { error: unknown } | undefined;
  async function* stream(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source) {
        if (!(chunk instanceof Uint8Array)) throw new AppError('BAD_REQUEST', 'content chunks must be byte arrays');
        bytes += chunk.byteLength;
        yield chunk;
      }
    } catch (error) {
      failure = { error };
      throw error;
    }
  }
  return {
    stream: stream(),
    bytes: () => bytes,
    failed: (error: unknown) => failure !== undefined && failure.error === error,
  };
}

/** Only what the profile produces: CIDv0/v1, sha2-256, raw or dag-pb. */
function isStorable(cid: CID): boolean {
  return cid.multihash.code === SHA2_256 && (cid.code === RAW_CODEC || cid.code === DAG_PB_CODEC);
}

function unavailable(cid: string, reason: string): AppError {
  return new AppError('CONTENT_UNAVAILABLE', `${cid}: ${reason}`, { details: { cid } });
}

/**
 * Requires 0 <= offset <= size; a length reaching past the end is cut at the
 * end (the HTTP layer has already resolved Range headers against the size).
 */
function resolveRange(range: ByteRange | undefined, size: number): { offset: number; length: number } {
  const offset = range?.offset ?? 0;
  const length = range?.length;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > size) {
    throw new AppError('INVALID_RANGE', `offset ${offset} is outside the ${size}-byte content`, { details: { offset, size } });
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new AppError('INVALID_RANGE', `invalid length ${length}`, { details: { length, size } });
  }
  return { offset, length: Math.min(length ?? size, size - offset) };
}
