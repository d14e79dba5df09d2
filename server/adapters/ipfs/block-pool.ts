/**
 * A bounded set of reusable 1 MiB block buffers for one put().
 *
 * Without it every block is a fresh 1 MiB allocation, and V8 collects such
 * external memory only after ~64 MB of it has piled up: a 1 GiB upload then
 * peaked at ~240 MB RSS. With it, a put holds at most `capacity` blocks and
 * reading waits (backpressure) until a written block's buffer comes back.
 *
 * Buffers travel to the hashing worker and back by transfer, which gives them
 * a new ArrayBuffer identity: `adopt` re-registers a returned buffer so that
 * `release` recognises it. Anything not from this pool is ignored by release.
 */
export class BlockPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly ours = new WeakSet<ArrayBuffer>();
  private readonly waiting: Array<(buffer: ArrayBuffer) => void> = [];
  private allocated = 0;

  constructor(
    readonly blockSize: number,
    private readonly capacity: number,
  ) {}

  async acquire(): Promise<Uint8Array> {
    const buffer = this.free.pop() ?? (this.allocated < this.capacity ? this.allocate() : await new Promise<ArrayBuffer>((resolve) => this.waiting.push(resolve)));
    return new Uint8Array(buffer);
  }

  /** Registers a pool buffer that came back from a transfer under a new identity. */
  adopt(bytes: Uint8Array): void {
    if (bytes.buffer.byteLength === this.blockSize) this.ours.add(bytes.buffer as ArrayBuffer);
  }

  /** Returns a buffer once nothing reads it any more (its block is on disk). */
  release(bytes: Uint8Array): void {
    const buffer = bytes.buffer as ArrayBuffer;
    if (!this.ours.has(buffer) || this.free.includes(buffer)) return;
    const next = this.waiting.shift();
    if (next) next(buffer);
    else this.free.push(buffer);
  }

  private allocate(): ArrayBuffer {
    this.allocated += 1;
    const buffer = new ArrayBuffer(this.blockSize);
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
  let block: Uint8Array | undefined;
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      block ??= await pool.acquire();
      const n = Math.min(size - filled, chunk.byteLength - offset);
      block.set(chunk.subarray(offset, offset + n), filled);
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
