import { expect } from 'chai';
import { BlockPool, SharedBlockCache, regroup } from '../../server/adapters/ipfs/block-pool';

async function* chunksOf(...sizes: number[]): AsyncGenerator<Uint8Array> {
  let next = 0;
  for (const size of sizes) yield Uint8Array.from({ length: size }, () => next++ % 251);
}

describe('BlockPool and SharedBlockCache', () => {
  it('regroups a stream into full blocks and a shorter last one, bytes in order', async () => {
    const pool = new BlockPool(new SharedBlockCache(8, 4), 8);
    const blocks: number[][] = [];
    for await (const block of regroup(chunksOf(3, 7, 1, 10), pool)) {
      blocks.push([...block]);
      pool.release(block);
    }
    expect(blocks.map((b) => b.length)).to.deep.equal([8, 8, 5]);
    expect(blocks.flat()).to.deep.equal(Array.from({ length: 21 }, (_, i) => i % 251));
  });

  it('makes a put wait for a released buffer once it holds `capacity` of them', async () => {
    const pool = new BlockPool(new SharedBlockCache(4, 4), 2);
    const first = await pool.acquire();
    await pool.acquire();
    let third: Uint8Array | undefined;
    const waiting = pool.acquire().then((block) => (third = block));
    await new Promise((r) => setImmediate(r));
    expect(third).to.equal(undefined);
    pool.release(first);
    await waiting;
    expect(third!.buffer).to.equal(first.buffer);
  });

  it('gives buffers back to the cache when the put ends, for the next put to reuse', async () => {
    const cache = new SharedBlockCache(4, 4);
    const one = new BlockPool(cache, 4);
    const a = await one.acquire();
    const b = await one.acquire();
    one.release(a);
    one.close();
    one.release(b); // released after close: straight to the cache
    const two = new BlockPool(cache, 4);
    const reused = new Set([(await two.acquire()).buffer, (await two.acquire()).buffer]);
    expect(reused).to.deep.equal(new Set([a.buffer, b.buffer]));
    expect(a.buffer).to.be.instanceOf(SharedArrayBuffer);
  });

  it('keeps at most maxIdle buffers and ignores buffers that are not its own', async () => {
    const cache = new SharedBlockCache(4, 1);
    const pool = new BlockPool(cache, 4);
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(new Uint8Array(4)); // not from this pool
    pool.release(a);
    pool.release(b);
    pool.close();
    const next = new BlockPool(cache, 4);
    const first = await next.acquire();
    const second = await next.acquire();
    expect([a.buffer, b.buffer]).to.include(first.buffer);
    expect([a.buffer, b.buffer]).not.to.include(second.buffer); // only one was kept
  });
});
