import { expect } from 'chai';
import { tmpdir } from 'node:os';
import { freeBytes } from '../../server/adapters/disk/free-space';
import { createStorageReserve } from '../../server/services/storage-reserve';

describe('storage reserve (real statfs of the temporary directory)', () => {
  it('measures the free space the way df does for an unprivileged user', async () => {
    const free = await freeBytes(tmpdir());
    expect(free).to.be.a('number').greaterThan(0);
    expect(Number.isSafeInteger(free)).to.equal(true);
  });

  it('admits what fits above the reserve and refuses what does not, with the figures', async () => {
    const reserve = createStorageReserve({ dataDir: tmpdir(), minFreeBytes: 1024, freeBytes });
    await reserve.assertRoomFor(1000, 'a small file');
    const refused = await reserve.assertRoomFor(Number.MAX_SAFE_INTEGER, 'an impossible file').catch((error) => error);
    expect(refused.code).to.equal('STORAGE_FULL');
    expect(refused.message).to.match(/^not enough disk space for an impossible file/);
    expect(refused.details).to.include({ neededBytes: Number.MAX_SAFE_INTEGER, minFreeBytes: 1024 });
  });

  it('checks nothing with a reserve of 0', async () => {
    let asked = 0;
    const reserve = createStorageReserve({ dataDir: tmpdir(), minFreeBytes: 0, freeBytes: (path) => (asked++, freeBytes(path)) });
    await reserve.assertRoomFor(Number.MAX_SAFE_INTEGER, 'anything');
    expect(asked).to.equal(0);
    expect((await reserve.status()).ok).to.equal(true);
  });
});
