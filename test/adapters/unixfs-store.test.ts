import { expect } from 'chai';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { CID } from 'multiformats/cid' with { 'resolution-mode': 'import' };
import { isAppError, type ErrorCode } from '../../server/core/errors';
import type { ContentStore } from '../../server/ports';
import { UNIXFS_PROFILE_NAME } from '../../server/adapters/ipfs/unixfs-profile';
import { referenceImporterOptions } from '../helpers/unixfs-reference';
import { createUnixfsStore } from '../../server/adapters/ipfs/unixfs-store';

const MiB = 1 << 20;

interface CidVector {
  name: string;
  desc: string;
  input: { kind: 'utf8'; text: string } | { kind: 'chacha20'; seed: string; size: number };
  size: number;
  cid: string;
  rootLinks: number | null;
  slow: boolean;
}

const VECTORS: CidVector[] = JSON.parse(
  readFileSync(join(__dirname, '..', 'vectors', 'unixfs', 'unixfs-v1-2025.json'), 'utf8'),
).vectors;

// ---------------------------------------------------------------- helpers

/** Kubo's deterministic test input (test/vectors/unixfs/SOURCE.md), 1 MiB at a time. */
async function* chacha20(seed: string, size: number): AsyncGenerator<Uint8Array> {
  const key = createHash('sha256').update(seed).digest();
  // 16-byte IV = 32-bit little-endian block counter (0) ‖ 96-bit nonce (0).
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(MiB);
  for (let left = size; left > 0; left -= MiB) yield cipher.update(zeros.subarray(0, Math.min(left, MiB)));
}

async function* vectorInput(v: CidVector): AsyncGenerator<Uint8Array> {
  if (v.input.kind === 'utf8') yield Buffer.from(v.input.text, 'utf8');
  else yield* chacha20(v.input.seed, v.input.size);
}

/** Streams `bytes` in pieces that do not line up with the 1 MiB chunks, like an HTTP body. */
async function* streamOf(bytes: Uint8Array, piece = 64 * 1024 + 7): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += piece) yield bytes.subarray(at, at + piece);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length, 'length').to.equal(expected.length);
  expect(Buffer.compare(actual, expected), 'bytes differ').to.equal(0);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function expectCode(error: unknown, code: ErrorCode): void {
  expect(isAppError(error), `expected AppError ${code}, got ${String(error)}`).to.equal(true);
  expect(isAppError(error) && error.code).to.equal(code);
}

/** Regular files below `dir`, relative to it, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    if ((await stat(join(dir, entry))).isFile()) files.push(entry);
  }
  return files.sort();
}

async function sharding() {
  const [{ NextToLast }, { CID: Cid }, { sha256 }] = await Promise.all([
    import('blockstore-fs/sharding'),
    import('multiformats/cid'),
    import('multiformats/hashes/sha2'),
  ]);
  // FsBlockstore's default layout, which blocks/ must keep.
  const layout = new NextToLast();
  const relativePath = (cid: CID) => {
    const { dir, file } = layout.encode(cid);
    return join(dir, file);
  };
  /** Where the raw leaf holding exactly `chunk` lives, relative to a block directory. */
  const leafPath = async (chunk: Uint8Array) => relativePath(Cid.createV1(0x55, await sha256.digest(chunk)));
  return { layout, relativePath, leafPath, parse: (cid: string) => Cid.parse(cid) };
}

/**
 * Imports with the profile into a sink that keeps only dag-pb nodes (a 1 GiB
 * vector never reaches the disk) and reports the root's link count.
 */
async function importWithProfile(content: AsyncIterable<Uint8Array>): Promise<{ cid: string; rootLinks: number | null }> {
  const [{ importFile }, { exporter }] = await Promise.all([import('ipfs-unixfs-importer'), import('ipfs-unixfs-exporter')]);
  const nodes = new Map<string, Uint8Array>();
  const sink = {
    put: async (cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>) => {
      if (cid.code === 0x70 && bytes instanceof Uint8Array) nodes.set(cid.toString(), bytes);
      return cid;
    },
  };
  const root = await importFile({ content }, sink, await referenceImporterOptions());
  if (root.cid.code !== 0x70) return { cid: root.cid.toString(), rootLinks: null };
  const entry = await exporter(root.cid, {
    *get(cid: CID) {
      const node = nodes.get(cid.toString());
      if (node === undefined) throw new Error(`no dag-pb node ${cid}`);
      yield node;
    },
  });
  return { cid: root.cid.toString(), rootLinks: entry.type === 'file' ? entry.node.Links.length : null };
}

// ---------------------------------------------------------------- tests

describe('adapters/ipfs/unixfs-store', () => {
  let directory: string;
  let store: ContentStore;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'custos-unixfs-'));
    store = await createUnixfsStore({ directory });
  });

  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  describe('profile unixfs-v1-2025', () => {
    it('is the profile the store reports', () => {
      expect(store.profile).to.equal(UNIXFS_PROFILE_NAME).and.to.equal('unixfs-v1-2025');
    });

    for (const v of VECTORS) {
      it(`gives ${v.name} the published CID (${v.desc})`, async function () {
        if (v.slow) this.timeout(60_000);
        const { cid, rootLinks } = await importWithProfile(vectorInput(v));
        expect(cid).to.equal(v.cid);
        expect(rootLinks).to.equal(v.rootLinks);
      });

      if (v.slow) continue;
      it(`stores ${v.name} under the published CID and reads it back`, async () => {
        const bytes = await collect(vectorInput(v));
        const staged = await store.put(streamOf(bytes));
        expect(staged.cid).to.equal(v.cid);
        expect(staged.size).to.equal(v.size);
        expect(staged.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
        await staged.commit();
        expectSameBytes(await collect(store.get(v.cid)), bytes);
      });
    }
  });

  describe('digest(): re-hashing stored files (audits)', () => {
    for (const v of VECTORS.filter((x) => !x.slow)) {
      it(`gives the SHA-256 and size of ${v.name}`, async () => {
        const bytes = await collect(vectorInput(v));
        await (await store.put(streamOf(bytes))).commit();
        let reported = 0;
        const digest = await store.digest(v.cid, async (n) => {
          reported += n;
        });
        expect(digest).to.deep.equal({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
        expect(reported, 'onChunk sees every byte (the throttle counts them)').to.equal(bytes.length);
      });
    }

    /** A DAG made by the reference importer straight into the store's blocks/ (tiny chunks, 3 links per node: several layers). */
    async function importDeep(bytes: Uint8Array, rawLeaves: boolean): Promise<string> {
      const [{ importer }, { fixedSize }, { balanced }, { FsBlockstore }, { NextToLast }] = await Promise.all([
        import('ipfs-unixfs-importer'),
        import('ipfs-unixfs-importer/chunker'),
        import('ipfs-unixfs-importer/layout'),
        import('blockstore-fs'),
        import('blockstore-fs/sharding'),
      ]);
      const blocks = new FsBlockstore(join(directory, 'ipfs-import'), { shardingStrategy: new NextToLast() });
      await blocks.open();
      let root = '';
      for await (const entry of importer([{ content: bytes }], blocks, { chunker: fixedSize({ chunkSize: 1000 }), layout: balanced({ maxChildrenPerNode: 3 }), rawLeaves, cidVersion: 1 })) root = entry.cid.toString();
      await blocks.close();
      return root;
    }

    for (const rawLeaves of [true, false]) {
      it(`walks a DAG several layers deep (${rawLeaves ? 'raw leaves' : 'dag-pb leaves with inline data'}) in file order`, async () => {
        await store.close();
        const bytes = randomBytes(25_500);
        const cid = await importDeep(bytes, rawLeaves);
        await rm(join(directory, 'blocks'), { recursive: true, force: true });
        await rename(join(directory, 'ipfs-import'), join(directory, 'blocks'));
        store = await createUnixfsStore({ directory });
        expect(await store.digest(cid)).to.deep.equal({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
      });
    }

    it('fails over a missing leaf without leaving any read as an unhandled rejection (which would end the service)', async () => {
      const chunks = Array.from({ length: 12 }, () => randomBytes(MiB));
      const staged = await store.put(streamOf(Buffer.concat(chunks)));
      await staged.commit();
      const { leafPath } = await sharding();
      // Missing leaves behind the first, so that they fail while an earlier read is awaited.
      for (const chunk of chunks.slice(1)) await unlink(join(directory, 'blocks', await leafPath(chunk)));
      const unhandled: unknown[] = [];
      const record = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', record);
      try {
        expectCode(await rejectionOf(store.digest(staged.cid)), 'CONTENT_UNAVAILABLE');
        await new Promise((resolve) => setTimeout(resolve, 20));
      } finally {
        process.off('unhandledRejection', record);
      }
      expect(unhandled).to.deep.equal([]);
    });

    it('reports a missing leaf and a corrupt dag-pb node as CONTENT_UNAVAILABLE, and a changed leaf as another SHA-256', async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 5);
      const staged = await store.put(streamOf(bytes));
      await staged.commit();
      const files = (await filesUnder(join(directory, 'blocks'))).map((f) => join(directory, 'blocks', f));
      const sizes = await Promise.all(files.map(async (f) => ({ f, size: (await stat(f)).size })));
      const leaf = sizes.find((x) => x.size === 1024 * 1024)!.f;
      const saved = await readFile(leaf);
      await unlink(leaf);
      expectCode(await rejectionOf(store.digest(staged.cid)), 'CONTENT_UNAVAILABLE');
      await writeFile(leaf, saved);
      // The 5-byte last leaf is unverified on its own: the file's SHA-256 vouches for it.
      const tail = sizes.find((x) => x.size === 5)!.f;
      const tailBytes = await readFile(tail);
      await writeFile(tail, Buffer.from('xxxxx'));
      expect((await store.digest(staged.cid)).sha256).to.not.equal(staged.sha256);
      await writeFile(tail, tailBytes);
      const node = sizes.find((x) => x.size > 5 && x.size < 1024)!.f;
      const original = await readFile(node);
      const flipped = Buffer.from(original);
      flipped[flipped.length - 1] ^= 1;
      await writeFile(node, flipped);
      expectCode(await rejectionOf(store.digest(staged.cid)), 'CONTENT_UNAVAILABLE');
      await writeFile(node, original);
      expect((await store.digest(staged.cid)).sha256).to.equal(staged.sha256);
    });
  });

  describe('the SHA-256 computed in the same pass (hashing worker)', () => {
    it('is the SHA-256 of each of several files staged at the same time', async () => {
      const files = [randomBytes(3 * MiB + 5), randomBytes(MiB), randomBytes(2 * MiB - 1), new Uint8Array(0)];
      const staged = await Promise.all(files.map((bytes) => store.put(streamOf(bytes))));
      staged.forEach((s, i) => expect(s.sha256, `file ${i}`).to.equal(createHash('sha256').update(files[i]).digest('hex')));
      await Promise.all(staged.map((s) => s.discard()));
    });

    it('does not disturb the caller’s chunks (transferred blocks are the store’s own)', async () => {
      const chunks = [randomBytes(700 * 1024), randomBytes(700 * 1024), randomBytes(MiB), randomBytes(MiB), randomBytes(10)];
      const copies = chunks.map((c) => Buffer.from(c));
      await (await store.put(streamOf(Buffer.concat(chunks)))).discard();
      async function* given() {
        yield* chunks;
      }
      const staged = await store.put(given());
      chunks.forEach((c, i) => expect(Buffer.compare(c, copies[i]), `chunk ${i}`).to.equal(0));
      expect(staged.sha256).to.equal(createHash('sha256').update(Buffer.concat(copies)).digest('hex'));
      await staged.discard();
    });
  });

  describe('round trip of 5.5 MiB (six chunks)', () => {
    const data = randomBytes(5.5 * MiB);
    let cid: string;

    beforeEach(async () => {
      const staged = await store.put(streamOf(data));
      expect(staged.size).to.equal(data.length);
      await staged.commit();
      cid = staged.cid;
    });

    it('reads back identical bytes', async () => {
      expect(await store.has(cid)).to.equal(true);
      expectSameBytes(await collect(store.get(cid)), data);
    });

    const ranges: Array<[string, { offset: number; length?: number }, number, number]> = [
      ['the start', { offset: 0, length: 1000 }, 0, 1000],
      ['a few bytes across a chunk boundary', { offset: MiB - 10, length: 20 }, MiB - 10, MiB + 10],
      ['more than a chunk, across two boundaries', { offset: MiB - 100, length: MiB + 200 }, MiB - 100, 2 * MiB + 100],
      ['the tail (no length)', { offset: data.length - 777 }, data.length - 777, data.length],
      ['zero bytes', { offset: 2 * MiB, length: 0 }, 2 * MiB, 2 * MiB],
      ['zero bytes at the very end', { offset: data.length }, data.length, data.length],
      ['a length past the end, cut at the end', { offset: data.length - 5, length: 100 }, data.length - 5, data.length],
    ];
    for (const [what, range, start, end] of ranges) {
      it(`reads ${what}`, async () => {
        expectSameBytes(await collect(store.get(cid, range)), data.subarray(start, end));
      });
    }

    it('rejects an offset beyond the end with INVALID_RANGE', async () => {
      expectCode(await rejectionOf(collect(store.get(cid, { offset: data.length + 1 }))), 'INVALID_RANGE');
    });

    it('rejects a negative or fractional range with INVALID_RANGE', async () => {
      expectCode(await rejectionOf(collect(store.get(cid, { offset: -1 }))), 'INVALID_RANGE');
      expectCode(await rejectionOf(collect(store.get(cid, { offset: 0, length: 1.5 }))), 'INVALID_RANGE');
    });

    it('reads identical bytes from a new store instance on the same directory', async () => {
      await store.close();
      store = await createUnixfsStore({ directory });
      expect(await store.has(cid)).to.equal(true);
      expectSameBytes(await collect(store.get(cid)), data);
      expectSameBytes(await collect(store.get(cid, { offset: 3 * MiB - 1, length: 2 })), data.subarray(3 * MiB - 1, 3 * MiB + 1));
    });

    it('stops cleanly when the consumer stops early', async () => {
      for await (const chunk of store.get(cid)) {
        expect(chunk.length).to.be.greaterThan(0);
        break;
      }
      expectSameBytes(await collect(store.get(cid)), data);
    });
  });

  describe('staging', () => {
    const stagingDir = () => join(directory, 'staging');

    it('keeps staged content invisible until commit', async () => {
      const data = randomBytes(2 * MiB + 3);
      const staged = await store.put(streamOf(data));
      expect(await store.has(staged.cid)).to.equal(false);
      expectCode(await rejectionOf(collect(store.get(staged.cid))), 'CONTENT_UNAVAILABLE');
      expect(await filesUnder(join(directory, 'blocks'))).to.deep.equal([]);
      await staged.commit();
      expect(await store.has(staged.cid)).to.equal(true);
      expect(await readdir(stagingDir())).to.deep.equal([]);
    });

    it('leaves no file anywhere after discard', async () => {
      const staged = await store.put(streamOf(randomBytes(3.5 * MiB)));
      expect((await filesUnder(stagingDir())).length).to.equal(5); // 4 leaves + root
      await staged.discard();
      await staged.discard();
      expect(await filesUnder(directory)).to.deep.equal([]);
      expect(await readdir(stagingDir())).to.deep.equal([]);
    });

    it('rethrows the source error itself and leaves nothing when the source fails midway', async () => {
      const clientWentAway = new Error('client went away');
      // Past the importer's first batch of 16 blocks, so block writes are under way when it fails.
      async function* failing(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 20; i++) yield randomBytes(MiB);
        throw clientWentAway;
      }
      expect(await rejectionOf(store.put(failing()))).to.equal(clientWentAway);
      expect(await filesUnder(directory)).to.deep.equal([]);
    });

    it('rejects chunks that are not bytes with BAD_REQUEST and leaves nothing', async () => {
      async function* strings(): AsyncGenerator<Uint8Array> {
        yield randomBytes(MiB);
        yield 'text' as unknown as Uint8Array;
      }
      expectCode(await rejectionOf(store.put(strings())), 'BAD_REQUEST');
      expect(await filesUnder(directory)).to.deep.equal([]);
    });

    it('reports a failed block write as CONTENT_UNAVAILABLE', async () => {
      // A file where the staging directory should be: every staging write fails.
      await rm(stagingDir(), { recursive: true });
      await writeFile(stagingDir(), 'not a directory');
      expectCode(await rejectionOf(store.put(streamOf(randomBytes(20 * MiB)))), 'CONTENT_UNAVAILABLE');
      expect(await filesUnder(join(directory, 'blocks'))).to.deep.equal([]);
    });

    describe('two files sharing chunks', () => {
      const chunks = Array.from({ length: 4 }, () => randomBytes(MiB));
      const a = Buffer.concat([chunks[0], chunks[1], chunks[2]]);
      const b = Buffer.concat([chunks[0], chunks[1], chunks[3]]);

      it('keeps A whole when B, staged after A was committed, is discarded', async () => {
        const stagedA = await store.put(streamOf(a));
        await stagedA.commit();
        const blocksOfA = await filesUnder(join(directory, 'blocks'));

        const stagedB = await store.put(streamOf(b));
        expect(stagedB.cid).not.to.equal(stagedA.cid);
        await stagedB.discard();

        expect(await filesUnder(join(directory, 'blocks'))).to.deep.equal(blocksOfA);
        expect(await store.has(stagedA.cid)).to.equal(true);
        expect(await store.has(stagedB.cid)).to.equal(false);
        expectSameBytes(await collect(store.get(stagedA.cid)), a);
      });

      it('commits B over the blocks it shares with A, both readable', async () => {
        const stagedA = await store.put(streamOf(a));
        await stagedA.commit();
        const stagedB = await store.put(streamOf(b));
        await stagedB.commit();
        expect((await filesUnder(join(directory, 'blocks'))).length).to.equal(6); // 4 distinct leaves + 2 roots
        expectSameBytes(await collect(store.get(stagedA.cid)), a);
        expectSameBytes(await collect(store.get(stagedB.cid)), b);
      });
    });

    it('commits content that is already in the store', async () => {
      const data = randomBytes(2 * MiB + 1);
      const first = await store.put(streamOf(data));
      await first.commit();
      const blocks = await filesUnder(join(directory, 'blocks'));
      const again = await store.put(streamOf(data));
      expect(again.cid).to.equal(first.cid);
      await again.commit();
      expect(await filesUnder(join(directory, 'blocks'))).to.deep.equal(blocks);
      expect(await readdir(stagingDir())).to.deep.equal([]);
      expectSameBytes(await collect(store.get(first.cid)), data);
    });

    it('makes commit and discard idempotent, and refuses commit after discard', async () => {
      const committed = await store.put(streamOf(randomBytes(MiB + 1)));
      await Promise.all([committed.commit(), committed.commit()]);
      await committed.commit();
      await committed.discard();
      expect(await store.has(committed.cid)).to.equal(true);

      const discarded = await store.put(streamOf(randomBytes(MiB + 2)));
      await discarded.discard();
      expectCode(await rejectionOf(discarded.commit()), 'INTERNAL');
      expect(await store.has(discarded.cid)).to.equal(false);
    });

    it('stages blocks flat, then lays out blocks/ exactly as a default FsBlockstore does', async () => {
      const { FsBlockstore } = await import('blockstore-fs');
      const { layout, relativePath } = await sharding();
      const staged = await store.put(streamOf(randomBytes(2.5 * MiB)));
      const [id] = await readdir(stagingDir());
      const stagedFiles = await filesUnder(join(stagingDir(), id));
      expect(stagedFiles.length).to.equal(4); // 3 leaves + root
      expect(stagedFiles.every((file) => !file.includes('/'))).to.equal(true);

      await staged.commit();
      const committed = await filesUnder(join(directory, 'blocks'));
      expect(committed.map((file) => basename(file)).sort()).to.deep.equal([...stagedFiles].sort());
      const blocks = new FsBlockstore(join(directory, 'blocks'));
      for (const file of committed) {
        const cid = layout.decode(file);
        expect(relativePath(cid)).to.equal(file);
        const bytes = await collect(blocks.get(cid));
        expectSameBytes(createHash('sha256').update(bytes).digest(), cid.multihash.digest);
      }
    });

    it('commits with fsyncOnCommit', async () => {
      await store.close();
      store = await createUnixfsStore({ directory, fsyncOnCommit: true });
      const data = randomBytes(2 * MiB + 5);
      const staged = await store.put(streamOf(data));
      await staged.commit();
      expectSameBytes(await collect(store.get(staged.cid)), data);
    });
  });

  describe('blocks damaged on disk', () => {
    const chunks = Array.from({ length: 3 }, () => randomBytes(MiB));
    const data = Buffer.concat(chunks);
    let cid: string;

    beforeEach(async () => {
      const staged = await store.put(streamOf(data));
      await staged.commit();
      cid = staged.cid;
    });

    async function flipByte(relativePath: string, at: number): Promise<void> {
      const path = join(directory, 'blocks', relativePath);
      const bytes = await readFile(path);
      bytes[at] ^= 0x01;
      await writeFile(path, bytes);
    }

    /** Reads until the store fails; returns the error and what had been delivered before it. */
    async function readUntilFailure(id: string): Promise<{ error: unknown; delivered: Buffer }> {
      const parts: Uint8Array[] = [];
      const error = await rejectionOf(
        (async () => {
          for await (const part of store.get(id)) parts.push(part);
        })(),
      );
      return { error, delivered: Buffer.concat(parts) };
    }

    it('rejects with CONTENT_UNAVAILABLE when a leaf has a flipped byte, never delivering wrong bytes', async () => {
      const { leafPath } = await sharding();
      await flipByte(await leafPath(chunks[1]), 12345);
      const { error, delivered } = await readUntilFailure(cid);
      expectCode(error, 'CONTENT_UNAVAILABLE');
      expect(delivered.length).to.be.lessThan(data.length);
      expectSameBytes(delivered, data.subarray(0, delivered.length));
      // Ranges that avoid the damaged block still read.
      expectSameBytes(await collect(store.get(cid, { offset: 10, length: 100 })), data.subarray(10, 110));
    });

    it('rejects with CONTENT_UNAVAILABLE when the root block has a flipped byte', async () => {
      const { relativePath, parse } = await sharding();
      await flipByte(relativePath(parse(cid)), 3);
      expectCode((await readUntilFailure(cid)).error, 'CONTENT_UNAVAILABLE');
    });

    it('rejects with CONTENT_UNAVAILABLE when a single-block file has a flipped byte', async () => {
      const small = randomBytes(1000);
      const staged = await store.put(streamOf(small));
      await staged.commit();
      const { relativePath, parse } = await sharding();
      await flipByte(relativePath(parse(staged.cid)), 999);
      expectCode((await readUntilFailure(staged.cid)).error, 'CONTENT_UNAVAILABLE');
    });

    it('rejects with CONTENT_UNAVAILABLE when a leaf is missing', async () => {
      const { leafPath } = await sharding();
      await unlink(join(directory, 'blocks', await leafPath(chunks[2])));
      const { error, delivered } = await readUntilFailure(cid);
      expectCode(error, 'CONTENT_UNAVAILABLE');
      expectSameBytes(delivered, data.subarray(0, delivered.length));
    });
  });

  describe('reading ahead', () => {
    it('reads only a few blocks ahead of a consumer that stops pulling', async () => {
      const chunks = Array.from({ length: 32 }, () => randomBytes(MiB));
      const staged = await store.put(streamOf(Buffer.concat(chunks)));
      await staged.commit();

      const reader = store.get(staged.cid)[Symbol.asyncIterator]();
      expect((await reader.next()).done).to.equal(false);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Had the whole file been read into memory meanwhile, deleting blocks now would go unnoticed.
      const { leafPath } = await sharding();
      for (const chunk of chunks.slice(16)) await unlink(join(directory, 'blocks', await leafPath(chunk)));

      const error = await rejectionOf(
        (async () => {
          for (let next = await reader.next(); !next.done; next = await reader.next());
        })(),
      );
      expectCode(error, 'CONTENT_UNAVAILABLE');
    });
  });

  describe('a consumer that leaves mid-file', () => {
    it('cancels the reads waiting for it and leaves the store usable', async () => {
      const data = randomBytes(32 * MiB);
      const staged = await store.put(streamOf(data));
      await staged.commit();
      let unhandled: unknown;
      const onUnhandled = (reason: unknown) => (unhandled = reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const reader = store.get(staged.cid)[Symbol.asyncIterator]();
        await reader.next();
        await new Promise((resolve) => setTimeout(resolve, 100)); // reads block on the window
        await reader.return?.();
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).to.equal(undefined);
      expectSameBytes(await collect(store.get(staged.cid, { offset: 31 * MiB })), data.subarray(31 * MiB));
    });
  });

  describe('cleanStaging', () => {
    it('removes staging areas left by a crashed process', async () => {
      await store.put(streamOf(randomBytes(2 * MiB)));
      await mkdir(join(directory, 'staging', 'junk', 'AB'), { recursive: true });
      await writeFile(join(directory, 'staging', 'junk', 'AB', 'partial.data'), 'x');
      // The "crashed" instance is simply never used again; a new one starts up.
      const restarted = await createUnixfsStore({ directory });
      await restarted.cleanStaging();
      await restarted.close();
      expect(await readdir(join(directory, 'staging'))).to.deep.equal([]);
      expect(await filesUnder(directory)).to.deep.equal([]);
    });

    it('spares the staging areas of its own puts in progress', async () => {
      const data = randomBytes(MiB + 9);
      const staged = await store.put(streamOf(data));
      await store.cleanStaging();
      await staged.commit();
      expectSameBytes(await collect(store.get(staged.cid)), data);
    });
  });

  describe('pins', () => {
    it('pins and unpins committed content, idempotently', async () => {
      const staged = await store.put(streamOf(randomBytes(100)));
      await staged.commit();
      await store.pin(staged.cid);
      await store.pin(staged.cid);
      expect(await readdir(join(directory, 'pins'))).to.deep.equal([staged.cid]);
      await store.unpin(staged.cid);
      await store.unpin(staged.cid);
      expect(await readdir(join(directory, 'pins'))).to.deep.equal([]);
    });

    it('refuses to pin content that is not in the store with CONTENT_UNAVAILABLE', async () => {
      const staged = await store.put(streamOf(randomBytes(100)));
      expectCode(await rejectionOf(store.pin(staged.cid)), 'CONTENT_UNAVAILABLE');
    });
  });

  describe('CIDs it cannot hold', () => {
    it('rejects a malformed CID with BAD_REQUEST', async () => {
      expectCode(await rejectionOf(collect(store.get('not-a-cid'))), 'BAD_REQUEST');
      expectCode(await rejectionOf(store.has('not-a-cid')), 'BAD_REQUEST');
    });

    it('answers CONTENT_UNAVAILABLE for a well-formed CID it does not hold', async () => {
      const unknown = (await importWithProfile(streamOf(randomBytes(10)))).cid;
      expect(await store.has(unknown)).to.equal(false);
      expectCode(await rejectionOf(collect(store.get(unknown))), 'CONTENT_UNAVAILABLE');
    });

    it('never serves an identity-hash CID, whose "content" is inside the CID itself', async () => {
      const identity = 'bafkqaddimvwgy3zao5xxe3debi'; // raw, identity multihash of "hello world\n"
      expect(await store.has(identity)).to.equal(false);
      expectCode(await rejectionOf(collect(store.get(identity))), 'CONTENT_UNAVAILABLE');
    });
  });

  it('refuses work after close with CONTENT_UNAVAILABLE', async () => {
    await store.close();
    expectCode(await rejectionOf(store.put(streamOf(randomBytes(10)))), 'CONTENT_UNAVAILABLE');
  });
});
