import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { BlockHasher } from '../../server/adapters/ipfs/block-hasher';

describe('BlockHasher (hashing worker)', function () {
  let hasher: BlockHasher;
  beforeEach(() => {
    hasher = new BlockHasher();
  });
  afterEach(async () => {
    await hasher.close();
  });

  it('hashes each block and the whole stream, and gives each block back intact', async () => {
    const blocks = [randomBytes(1000), randomBytes(1 << 20), randomBytes(7)].map((b) => new Uint8Array(b));
    const copies = blocks.map((b) => Buffer.from(b));
    const stream = hasher.openStream();
    for (const [i, block] of blocks.entries()) {
      const { digest, bytes } = await stream.hashBlock(block);
      expect(Buffer.from(digest).toString('hex')).to.equal(createHash('sha256').update(copies[i]).digest('hex'));
      expect(Buffer.from(bytes).equals(copies[i])).to.equal(true);
    }
    const whole = createHash('sha256');
    copies.forEach((c) => whole.update(c));
    expect(Buffer.from(await stream.finish()).toString('hex')).to.equal(whole.digest('hex'));
  });

  it('reads a block in a SharedArrayBuffer in place: gives the same view back, hashes it and the stream', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(1 << 20));
    shared.set(randomBytes(1 << 20));
    const block = shared.subarray(0, 700_000);
    const stream = hasher.openStream();
    const { digest, bytes } = await stream.hashBlock(block);
    expect(bytes).to.equal(block);
    expect(block.byteLength).to.equal(700_000); // not detached
    expect(Buffer.from(digest).toString('hex')).to.equal(createHash('sha256').update(block).digest('hex'));
    expect(Buffer.from(await stream.finish()).toString('hex')).to.equal(createHash('sha256').update(block).digest('hex'));
  });

  it('an empty stream hashes to the SHA-256 of nothing', async () => {
    expect(Buffer.from(await hasher.openStream().finish()).toString('hex')).to.equal(createHash('sha256').digest('hex'));
  });

  it('fault injected (worker killed mid-stream): finish() fails instead of returning the hash of part of the file', async () => {
    const stream = hasher.openStream();
    await stream.hashBlock(new Uint8Array(randomBytes(1000)));
    await (hasher as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await new Promise((r) => setTimeout(r, 20)); // let the exit event clear the dead worker
    const outcome = await stream.finish().then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    expect(outcome).to.match(/saw 0 of 1 blocks/);
  });

  it('refuses work once closed', async () => {
    const stream = hasher.openStream();
    await hasher.close();
    const outcome = await stream.hashBlock(new Uint8Array(10)).then(
      () => 'resolved',
      (error: { code?: string }) => error.code,
    );
    expect(outcome).to.equal('CONTENT_UNAVAILABLE');
  });
});
