import { expect } from 'chai';
import { AppError } from '../../server/core/errors';
import { storageFullFrom } from '../../server/core/storage-full';

const errno = (code: string) => Object.assign(new Error(`${code}: something about the disk`), { code });

describe('storageFullFrom: a full disk, wherever it surfaces', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) {
    it(`recognises ${code} and keeps the original as the cause`, () => {
      const original = errno(code);
      const full = storageFullFrom(original);
      expect(full?.code).to.equal('STORAGE_FULL');
      expect(full?.cause).to.equal(original);
    });
  }

  it('finds it as the cause of a wrapping error', () => {
    const wrapped = new AppError('CONTENT_UNAVAILABLE', 'could not commit', { cause: new Error('link failed', { cause: errno('ENOSPC') }) });
    expect(storageFullFrom(wrapped)?.code).to.equal('STORAGE_FULL');
  });

  it('passes a STORAGE_FULL error through unchanged', () => {
    const already = new AppError('STORAGE_FULL', 'no room');
    expect(storageFullFrom(already)).to.equal(already);
  });

  it('returns null for every other failure, and for things that are not errors', () => {
    for (const other of [errno('EACCES'), errno('EIO'), new AppError('CONTENT_UNAVAILABLE', 'x'), new Error('plain'), 'ENOSPC', null, undefined, 42]) {
      expect(storageFullFrom(other), String(other)).to.equal(null);
    }
  });

  it('stops on a cause chain that loops', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(storageFullFrom(a)).to.equal(null);
  });
});
