import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockJournal } from '../../recorder/watch/journal-lock';
import { WatchError } from '../../recorder/watch/errors';

describe('dock agent journal lock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'custos-journal-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a journal held by another live agent (JOURNAL_LOCKED), takes over one left by a dead one', () => {
    const journal = join(dir, 'journal.sqlite');
    writeFileSync(`${journal}.lock`, String(process.ppid)); // a live process that is not us
    let error: unknown;
    try {
      lockJournal(journal);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(WatchError);
    expect((error as WatchError).code).to.equal('JOURNAL_LOCKED');

    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(`${journal}.lock`, dead);
    const release = lockJournal(journal);
    release();
    expect(existsSync(`${journal}.lock`)).to.equal(false);
  });
});
