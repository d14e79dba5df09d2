import { expect } from 'chai';
import { readAhead } from '../../server/adapters/ipfs/read-ahead';

describe('readAhead', () => {
  it('delivers every chunk in order, reading at most maxWeight ahead', async () => {
    let produced = 0;
    let consumed = 0;
    let mostAhead = 0;
    async function* source() {
      for (let i = 0; i < 50; i++) {
        produced += 1;
        mostAhead = Math.max(mostAhead, produced - consumed);
        yield new Uint8Array([i]);
      }
    }
    const seen: number[] = [];
    for await (const chunk of readAhead(source(), 4)) {
      consumed += 1;
      seen.push(chunk[0]);
      await new Promise((r) => setImmediate(r));
    }
    expect(seen).to.deep.equal([...Array(50).keys()]);
    expect(mostAhead).to.be.at.most(6); // 4 queued, one in the consumer's hands, one being pushed
  });

  it('passes on the source’s error', async () => {
    async function* source() {
      yield new Uint8Array(1);
      throw new Error('client went away');
    }
    const outcome = await (async () => {
      for await (const _ of readAhead(source(), 1024)) void _;
    })().then(
      () => 'completed',
      (error: Error) => error.message,
    );
    expect(outcome).to.equal('client went away');
  });

  it('a consumer that stops is not held up by a source stalled mid-upload', async () => {
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let ended = false;
    async function* source() {
      try {
        yield new Uint8Array(1);
        await stalled; // a client that stops sending without closing
        yield new Uint8Array(1);
      } finally {
        ended = true;
      }
    }
    const stopped = (async () => {
      for await (const _ of readAhead(source(), 1024)) {
        void _;
        break; // e.g. the disk failed: the put gives up
      }
      return 'stopped';
    })();
    const hung = new Promise((resolve) => setTimeout(() => resolve('still waiting for the client'), 2000).unref());
    expect(await Promise.race([stopped, hung])).to.equal('stopped');
    // When the client does move (or its connection closes), the source is ended, not read on.
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(ended).to.equal(true);
  });
});
