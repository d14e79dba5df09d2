import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import type { CID } from 'multiformats/cid' with { 'resolution-mode': 'import' };
import { buildBalancedFile, loadDagModules, type DagChild, type DagModules } from '../../server/adapters/ipfs/balanced-file-dag';
import { RAW_CODEC, SHA2_256 } from '../../server/adapters/ipfs/verified-reader';

/**
 * Our DAG builder against the reference, ipfs-unixfs-importer, with the same
 * layout parameters. Tiny chunks and fan-outs reach shapes (three levels, a
 * last group of one, an empty file) that 1 MiB chunks and 1024 links would
 * need gigabytes for; the Kubo vectors in unixfs-store.test.ts pin the real profile.
 */
describe('balanced file DAG: same CIDs and blocks as ipfs-unixfs-importer', function () {
  let modules: DagModules;
  before(async () => {
    modules = await loadDagModules();
  });

  async function reference(bytes: Uint8Array, chunkSize: number, maxChildren: number) {
    const [{ importFile }, { fixedSize }, { balanced }] = await Promise.all([
      import('ipfs-unixfs-importer'),
      import('ipfs-unixfs-importer/chunker'),
      import('ipfs-unixfs-importer/layout'),
    ]);
    const blocks = new Map<string, string>();
    const sink = {
      put: async (cid: CID, block: any) => {
        blocks.set(cid.toString(), Buffer.from(block).toString('hex'));
        return cid;
      },
    };
    const root = await importFile({ content: [bytes] }, sink, {
      cidVersion: 1,
      rawLeaves: true,
      reduceSingleLeafToSelf: true,
      chunker: fixedSize({ chunkSize }),
      layout: balanced({ maxChildrenPerNode: maxChildren }),
      wrapWithDirectory: false,
    });
    return { root: root.cid.toString(), blocks };
  }

  async function ours(bytes: Uint8Array, chunkSize: number, maxChildren: number) {
    const blocks = new Map<string, string>();
    const put = async (cid: CID, block: Uint8Array) => {
      blocks.set(cid.toString(), Buffer.from(block).toString('hex'));
    };
    const leaf = async (chunk: Uint8Array): Promise<DagChild> => {
      const cid = modules.CID.createV1(RAW_CODEC, modules.Digest.create(SHA2_256, createHash('sha256').update(chunk).digest()));
      await put(cid, chunk);
      return { cid, tsize: BigInt(chunk.byteLength), fileSize: BigInt(chunk.byteLength) };
    };
    async function* leaves() {
      for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) yield leaf(bytes.subarray(offset, offset + chunkSize));
    }
    const root = await buildBalancedFile(modules, leaves(), put, { maxChildren, emptyLeaf: () => leaf(new Uint8Array(0)) });
    return { root: root.cid.toString(), blocks };
  }

  const shapes: Array<{ chunkSize: number; maxChildren: number; sizes: number[] }> = [
    { chunkSize: 16, maxChildren: 4, sizes: [0, 1, 15, 16, 17, 64, 65, 80, 256, 257, 1024, 1025, 1000 + 7] },
    { chunkSize: 10, maxChildren: 3, sizes: [29, 30, 31, 90, 91, 270, 271, 811] },
    { chunkSize: 1024, maxChildren: 1024, sizes: [1024 * 1024, 1024 * 1024 + 1] },
  ];
  for (const { chunkSize, maxChildren, sizes } of shapes) {
    for (const size of sizes) {
      it(`${size} bytes in ${chunkSize}-byte chunks, ${maxChildren} links per node`, async () => {
        const bytes = randomBytes(size);
        const [want, got] = await Promise.all([reference(bytes, chunkSize, maxChildren), ours(bytes, chunkSize, maxChildren)]);
        expect(got.root).to.equal(want.root);
        expect([...got.blocks.entries()].sort()).to.deep.equal([...want.blocks.entries()].sort());
      });
    }
  }
});
