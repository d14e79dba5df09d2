/**
 * Idle block buffers kept between puts, at most `maxIdle` of them.
 *
 * The buffers are SharedArrayBuffers, which the hashing worker reads in place
 * (see BlockHasher). Every block sent gives the worker an object that keeps
 * its buffer alive until the worker's own next GC, which is rare (it
 * allocates little): with buffers made afresh for each put, the bench's peak
 * RSS rose from 188 to 211 MB over three uploads. Reused buffers are alive
 * anyway, so that pins nothing.
 */
export class SharedBlockCache {
  private readonly idle: SharedArrayBuffer[] = [];

  constructor(
    readonly blockSize: number,
    private readonly maxIdle: number,
  ) {}

  take(): SharedArrayBuffer {
    return this.idle.pop() ?? new SharedArrayBuffer(this.blockSize);
  }

  give(buffer: SharedArrayBuffer): void {
    if (this.idle.length < this.maxIdle && !this.idle.includes(buffer)) this.idle.push(buffer);
  }
}

/**
 * A bounded set of reusable block buffers for one put(), taken from the
 * store's SharedBlockCache and given back by close().
 *
 * Without it every block is a fresh 1 MiB allocation, and V8 collects such
 * external memory only after ~64 MB of it has piled up: a 1 GiB upload then
 * peaked at ~240 MB RSS. With it, a put holds at most `capacity` blocks and
 * reading waits (backpressure) until a written block's buffer comes back.
 * Anything not from this pool is ignored by release.
 */
export class BlockPool {
  private readonly free: SharedArrayBuffer[] = [];
  private readonly ours = new WeakSet<SharedArrayBuffer>();
  private readonly waiting: Array<(buffer: SharedArrayBuffer) => void> = [];
  private taken = 0;
  private closed = false;

  constructor(
    private readonly cache: SharedBlockCache,
    private readonly capacity: number,
  ) {}

  get blockSize(): number {
    return this.cache.blockSize;
  }

  async acquire(): Promise<Buffer> {
    const buffer = this.free.pop() ?? (this.taken < this.capacity ? this.take() : await new Promise<SharedArrayBuffer>((resolve) => this.waiting.push(resolve)));
    return Buffer.from(buffer);
  }

  /** Returns a buffer once nothing reads it any more (its block is hashed and on disk). */
  release(bytes: Uint8Array): void {
    const buffer = bytes.buffer;
    if (!(buffer instanceof SharedArrayBuffer) || !this.ours.has(buffer) || this.free.includes(buffer)) return;
    if (this.closed) return this.cache.give(buffer);
    const next = this.waiting.shift();
    if (next) next(buffer);
    else this.free.push(buffer);
  }

  /**
   * The put is over: its free buffers go back to the cache, and so do those
   * released later (a failed put's writes still draining). A block is released
   * only once hashed and written, so the cache never gets a buffer that is
   * still read; a failed put's blocks that never reached the disk are left to GC.
   */
  close(): void {
    this.closed = true;
    for (const buffer of this.free.splice(0)) this.cache.give(buffer);
  }

  private take(): SharedArrayBuffer {
    this.taken += 1;
    const buffer = this.cache.take();
    this.ours.add(buffer);
    return buffer;
  }
}

/**
 * Regroups a byte stream into blocks of exactly the pool's block size (the
 * last one shorter), each in a pool buffer: the blocks of the DAG's raw
 * leaves. The bytes are copied once here and nowhere else on their way to disk.
 */
export async function* regroup(source: AsyncIterable<Uint8Array>, pool: BlockPool): AsyncGenerator<Uint8Array> {
  const size = pool.blockSize;
  let block: Buffer | undefined;
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      block ??= await pool.acquire();
      const n = Math.min(size - filled, chunk.byteLength - offset);
      // fill() with bytes exactly as long as the range is a plain memcpy; set()
      // into shared memory is V8's relaxed (atomic-safe) copy, ~2x the CPU here.
      block.fill(chunk.subarray(offset, offset + n), filled, filled + n);
      filled += n;
      offset += n;
      if (filled === size) {
        yield block;
        block = undefined;
        filled = 0;
      }
    }
  }
  if (block !== undefined) yield block.subarray(0, filled);
}
