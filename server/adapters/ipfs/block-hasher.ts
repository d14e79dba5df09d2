/**
 * SHA-256 on a second core. Ingest hashes every byte twice — once for the
 * file's SHA-256 (the evidence hash) and once per 1 MiB block for its CID —
 * about 1.4 s of CPU per GiB here. A worker thread does both, in one pass
 * over each block, so the main thread is free for the socket, the DAG
 * and the writes: blocks are transferred to the worker and back with their
 * digest (copied first unless the caller owns their whole buffer).
 *
 * Blocks of one stream must be submitted in order: the worker folds them into
 * the stream's SHA-256 in the order it receives them, and a worker handles its
 * messages one at a time, in order.
 */
import { Worker } from 'node:worker_threads';

// Plain JS, evaluated in the worker: runs the same from ts-node and from dist/.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const streams = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'block') {
    let file = streams.get(m.stream);
    if (!file) { file = createHash('sha256'); streams.set(m.stream, file); }
    file.update(m.bytes);
    const digest = createHash('sha256').update(m.bytes).digest();
    parentPort.postMessage({ id: m.id, digest, bytes: m.bytes }, [m.bytes.buffer]);
  } else if (m.op === 'finish') {
    const file = streams.get(m.stream) || createHash('sha256');
    streams.delete(m.stream);
    parentPort.postMessage({ id: m.id, digest: file.digest() });
  } else if (m.op === 'drop') {
    streams.delete(m.stream);
  }
});
`;

interface Pending {
  resolve(value: { digest: Uint8Array; bytes?: Uint8Array }): void;
  reject(error: unknown): void;
}

export class BlockHasher {
  private worker?: Worker;
  private nextId = 0;
  private nextStream = 0;
  private readonly pending = new Map<number, Pending>();

  /** A new stream whose blocks are hashed both one by one and as a whole. */
  openStream(): HashStream {
    return new HashStream(this, this.nextStream++);
  }

  /** @internal */
  request(message: { op: 'block' | 'finish' | 'drop'; stream: number; bytes?: Uint8Array; transfer?: boolean }): Promise<{ digest: Uint8Array; bytes?: Uint8Array }> {
    const worker = this.ensureWorker();
    if (message.op === 'drop') {
      worker.postMessage(message);
      return Promise.resolve({ digest: new Uint8Array(0) });
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (message.bytes) {
        const owned = message.transfer ? message.bytes : ownBuffer(message.bytes);
        worker.postMessage({ op: message.op, stream: message.stream, id, bytes: owned }, [owned.buffer as ArrayBuffer]);
      } else {
        worker.postMessage({ ...message, id });
      }
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (m: { id: number; digest: Uint8Array; bytes?: Uint8Array }) => {
      const waiter = this.pending.get(m.id);
      this.pending.delete(m.id);
      waiter?.resolve({ digest: new Uint8Array(m.digest), bytes: m.bytes });
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
  constructor(
    private readonly hasher: BlockHasher,
    private readonly id: number,
  ) {}

  /**
   * SHA-256 of one block, also folded into the stream's hash; the block's
   * bytes come back. With `transfer` the caller gives up the block's whole
   * ArrayBuffer (it is detached until it comes back); otherwise it is copied.
   */
  async hashBlock(block: Uint8Array, transfer = false): Promise<{ digest: Uint8Array; bytes: Uint8Array }> {
    const { digest, bytes } = await this.hasher.request({ op: 'block', stream: this.id, bytes: block, transfer });
    return { digest, bytes: bytes! };
  }

  /** SHA-256 of every block submitted so far, in order. */
  async finish(): Promise<Uint8Array> {
    return (await this.hasher.request({ op: 'finish', stream: this.id })).digest;
  }

  drop(): void {
    void this.hasher.request({ op: 'drop', stream: this.id });
  }
}

/**
 * A copy of the block in a buffer of its own, safe to transfer: a block that
 * is a view of someone else's buffer (not from the pool) must not be detached
 * under its owner's feet.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
