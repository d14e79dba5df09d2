/**
 * Staging areas: one flat directory of block files per upload, linked into the
 * main block directory only when the caller commits.
 *
 * Layout: a block staged as `<staging>/<file>` is committed as
 * `blocks/<dir>/<file>`, where `{ dir, file }` is blockstore-fs's `NextToLast`
 * sharding of its CID (the strategy instance `blocks/` uses), so commit() needs
 * no decoding. test/adapters/unixfs-store.test.ts checks `blocks/` against a
 * stock FsBlockstore.
 *
 * Why flat: sharding staging too meant ~650 directories created and removed
 * per GiB. On a filesystem without a journal (our VMs' ext4) every inode
 * allocation skips the inodes deleted in the last minute (five, while their
 * inode table block is dirty), one lookup each (ext4's recently_deleted()),
 * so each upload paid for the last one's directories: ~15 % of ingest CPU.
 *
 * Why not an FsBlockstore for staging: its put() writes a temp file and
 * renames it (atomicity nobody needs here, since nothing reads a staging area
 * before commit) and cannot tell us when its in-flight writes are done, so a
 * write still running after an aborted import could recreate a directory we
 * had just removed. This writer tracks its writes and refuses new ones once
 * aborted.
 */
import { writeFile as writeFileCallback } from 'node:fs';
import { link, lstat, mkdir, open, rename } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import type { ShardingStrategy } from 'blockstore-fs/sharding' with { 'resolution-mode': 'import' };
import type { CID } from 'multiformats/cid' with { 'resolution-mode': 'import' };
import { AppError } from '../../core/errors';

/**
 * The callback writeFile issues one write() for a whole block; the promise one
 * splits it into 512 KiB writes, each a trip through the thread pool.
 */
const writeWholeFile = promisify(writeFileCallback);

/**
 * The `put` half of a blockstore, writing into one staging directory.
 *
 * Write-behind: put() resolves once the write is queued, not done, so the
 * next blocks are hashed while earlier ones are written (waiting for each
 * write left the CPU idle half the time). At most
 * `maxQueuedWrites` blocks are held; flush() waits for all and reports the
 * first failure, which also fails every later put().
 */
export class StagingWriter {
  private readonly queued = new Set<Promise<void>>();
  /** Block files written, as their paths relative to `blocks/`: what commit() has to link. */
  readonly files = new Set<string>();
  /** The staging directory, made by the first write. */
  private created: Promise<unknown> | undefined;
  private failure: { error: unknown } | undefined;
  private aborted = false;

  constructor(
    readonly root: string,
    private readonly layout: ShardingStrategy,
    private readonly maxQueuedWrites: number,
    /** Called once a block's bytes are no longer needed (written, or failed). */
    private readonly onWritten: (bytes: Uint8Array) => void = () => undefined,
  ) {}

  readonly put = async (cid: CID, bytes: Uint8Array): Promise<void> => {
    while (this.queued.size >= this.maxQueuedWrites) await Promise.race(this.queued);
    if (this.failure !== undefined) throw this.failure.error;
    if (this.aborted) throw new AppError('CONTENT_UNAVAILABLE', 'the staging area was discarded');
    const write: Promise<void> = this.write(cid, bytes)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.queued.delete(write);
        this.onWritten(bytes);
      });
    this.queued.add(write);
  };

  /** Waits for every queued write; rejects with the first write failure. */
  async flush(): Promise<void> {
    await this.drain();
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Refuses further writes and waits for those queued, so that removing the directory afterwards is final. */
  async abort(): Promise<void> {
    this.aborted = true;
    await this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queued.size > 0) await Promise.all([...this.queued]);
  }

  /** Where the block that commits as `relativePath` (in `blocks/`) is staged. */
  stagedPath(relativePath: string): string {
    return join(this.root, basename(relativePath));
  }

  private async write(cid: CID, bytes: Uint8Array): Promise<void> {
    const { dir, file } = this.layout.encode(cid);
    await (this.created ??= mkdir(this.root, { recursive: true }));
    try {
      await writeWholeFile(join(this.root, file), bytes, { flag: 'wx' });
    } catch (error) {
      // The same chunk twice in one file: its block is already (being) written,
      // and the put only completes once that first write has.
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    this.files.add(join(dir, file));
  }
}

/**
 * Makes the staged file `source` visible as `target`, never replacing an
 * existing file: blocks are content-addressed, so an existing file with that
 * name already holds these bytes, and other content may share it.
 *
 * A hard link rather than the rename one might expect: link() fails with
 * EEXIST atomically, where rename() would silently replace the target. Even
 * with the same bytes that is costly: ext4 (auto_da_alloc) starts writeback
 * of a file renamed over another at once, and frees the old inode. Tried:
 * re-uploading a GiB whose blocks were mostly stored already took 4.3–4.8 s
 * instead of 2.3–2.7 s. The staging name is removed with its directory
 * afterwards. On filesystems without hard links we fall back to
 * check-then-rename; the race there can only replace a block with identical
 * bytes. The target's shard directory usually exists already: it is made only
 * when the first link finds none.
 */
export async function adoptBlockFile(source: string, target: string): Promise<void> {
  try {
    await linkOrMove(source, target);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    await mkdir(dirname(target), { recursive: true });
    await linkOrMove(source, target);
  }
}

async function linkOrMove(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    if (await exists(target)) return;
    await rename(source, target);
  }
}

/** fsync a file or a directory (Linux allows both through a read-only handle). */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Runs `task` over `items` with at most `limit` running at once; rejects with the first failure. */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
