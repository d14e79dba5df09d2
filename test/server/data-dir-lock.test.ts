import { expect } from 'chai';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireDataDirLock } from '../../server/data-dir-lock';
import { makeDataDir } from '../helpers/server';

describe('data directory lock', () => {
  let dir: string;
  let lock: string;
  beforeEach(() => {
    dir = makeDataDir('custos-lock-');
    lock = join(dir, 'custos.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const codeOf = (fn: () => unknown) => {
    try {
      fn();
      return 'acquired';
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it('holds our pid while held, and leaves nothing behind once released', () => {
    const release = acquireDataDirLock(lock);
    expect(readdirSync(dir)).to.deep.equal(['custos.lock']);
    release();
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('refuses a directory locked by a live process', () => {
    writeFileSync(lock, '1'); // init: alive, and never this test
    expect(codeOf(() => acquireDataDirLock(lock))).to.equal('CONFIG_INVALID');
    expect(existsSync(lock)).to.equal(true);
  });

  it('takes over a lock left by a process that is gone', () => {
    writeFileSync(lock, '999999999');
    const release = acquireDataDirLock(lock);
    release();
    expect(existsSync(lock)).to.equal(false);
  });

  it('refuses, without touching it, a lock file that holds no pid', () => {
    writeFileSync(lock, '');
    expect(codeOf(() => acquireDataDirLock(lock))).to.equal('CONFIG_INVALID');
    expect(existsSync(lock)).to.equal(true);
  });
});
