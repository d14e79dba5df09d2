/**
 * SHA-256 on a second core. Ingest hashes every byte twice — once for the
 * file's SHA-256 (the evidence hash) and once per 1 MiB block for its CID —
 * about 1.4 s of CPU per GiB here. A worker thread does both, in one pass
 * over each block, so the main thread is free for the socket, the DAG and
 * the writes. A block's buffer is transferred to the worker and back (no
 * copy): it is detached, and must not be touched, until hashBlock resolves.
 *
 * Blocks of one stream must be submitted in order: the worker folds them into
 * the stream's SHA-256 in the order it receives them, and a worker handles its
 * messages one at a time, in order. finish() says how many blocks it expects,
 * so a worker that died and was replaced mid-stream can never hand back the
 * hash of part of a file (or of nothing) as the hash of the whole.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../../core/errors';

// Plain JS, evaluated in the worker: runs the same from ts-node and from dist/.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const streams = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'block') {
    let file = streams.get(m.stream);
    if (!file) { file = { hash: createHash('sha256'), blocks: 0 }; streams.set(m.stream, file); }
    file.hash.update(m.bytes);
    file.blocks += 1;
    const digest = createHash('sha256').update(m.bytes).digest();
    if (m.shared) parentPort.postMessage({ id: m.id, digest });
    else parentPort.postMessage({ id: m.id, digest, bytes: m.bytes }, [m.bytes.buffer]);
  } else if (m.op === 'fold') {
    let file = streams.get(m.stream);
    if (!file) { file = { hash: createHash('sha256'), blocks: 0 }; streams.set(m.stream, file); }
    file.hash.update(m.bytes);
    file.blocks += 1;
    parentPort.postMessage({ id: m.id, digest: new Uint8Array(0) });
  } else if (m.op === 'finish') {
    const file = streams.get(m.stream) || { hash: createHash('sha256'), blocks: 0 };
    streams.delete(m.stream);
    if (file.blocks !== m.blocks) parentPort.postMessage({ id: m.id, error: 'the hash worker saw ' + file.blocks + ' of ' + m.blocks + ' blocks (it was restarted)' });
    else parentPort.postMessage({ id: m.id, digest: file.hash.digest() });
  } else if (m.op === 'drop') {
    streams.delete(m.stream);
  }
});
`;

interface Reply {
  digest: Uint8Array;
  bytes?: Uint8Array;
}

interface Pending {
  resolve(value: Reply): void;
  reject(error: unknown): void;
}

type Request =
  | { op: 'block'; stream: number; bytes: Uint8Array; shared: boolean }
  | { op: 'fold'; stream: number; bytes: Uint8Array }
  | { op: 'finish'; stream: number; blocks: number }
  | { op: 'drop'; stream: number };

export class BlockHasher {
  private worker?: Worker;
  private closed = false;
  private nextId = 0;
  private nextStream = 0;
  private readonly pending = new Map<number, Pending>();

  /** A new stream whose blocks are hashed both one by one and as a whole. */
  openStream(): HashStream {
    return new HashStream(this, this.nextStream++);
  }

  /** @internal */
  request(message: Request): Promise<Reply> {
    if (this.closed) return Promise.reject(new AppError('CONTENT_UNAVAILABLE', 'the content store is closed'));
    const worker = this.ensureWorker();
    if (message.op === 'drop') {
      worker.postMessage(message);
      return Promise.resolve({ digest: new Uint8Array(0) });
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        if ((message.op === 'block' && !message.shared) || message.op === 'fold') worker.postMessage({ ...message, id }, [message.bytes.buffer as ArrayBuffer]);
        else worker.postMessage({ ...message, id });
      } catch (error) {
        this.pending.delete(id);
        reject(error);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (m: { id: number; digest?: Uint8Array; bytes?: Uint8Array; error?: string }) => {
      const waiter = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) waiter?.reject(new AppError('INTERNAL', m.error));
      else waiter?.resolve({ digest: new Uint8Array(m.digest!), ...(m.bytes ? { bytes: m.bytes } : {}) });
    });
    const fail = (error: unknown) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`hash worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

export class HashStream {
  private blocks = 0;
  private dropped = false;

  constructor(
    private readonly hasher: BlockHasher,
    private readonly id: number,
  ) {}

  /**
   * SHA-256 of one block, also folded into the stream's hash. A block in a
   * SharedArrayBuffer is read in place and `bytes` is the block itself; any
   * other block's whole buffer travels to the worker and comes back, under a
   * new ArrayBuffer identity, as `bytes` (same offset and length).
   */
  async hashBlock(block: Uint8Array): Promise<{ digest: Uint8Array; bytes: Uint8Array }> {
    // A block that arrives after the put failed is not sent: the worker would keep state for it.
    if (this.dropped) throw new AppError('CONTENT_UNAVAILABLE', 'this hash stream was dropped');
    this.blocks += 1;
    const shared = block.buffer instanceof SharedArrayBuffer;
    const { digest, bytes } = await this.hasher.request({ op: 'block', stream: this.id, bytes: block, shared });
    return { digest, bytes: shared ? block : bytes! };
  }

  /**
   * Folds a chunk into the stream's hash only (no per-block digest): for
   * re-hashing stored content. The chunk must own its whole ArrayBuffer, which
   * is transferred to the worker and not given back. Resolves once folded.
   */
  async fold(chunk: Uint8Array): Promise<void> {
    if (this.dropped) throw new AppError('CONTENT_UNAVAILABLE', 'this hash stream was dropped');
    this.blocks += 1;
    await this.hasher.request({ op: 'fold', stream: this.id, bytes: chunk });
  }

  /** SHA-256 of every block submitted so far, in order; fails if the worker did not see them all. */
  async finish(): Promise<Uint8Array> {
    return (await this.hasher.request({ op: 'finish', stream: this.id, blocks: this.blocks })).digest;
  }

  drop(): void {
    this.dropped = true;
    this.hasher.request({ op: 'drop', stream: this.id }).catch(() => undefined);
  }
}
