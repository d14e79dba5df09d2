/**
 * One agent per journal: two would both see a pending file and create two
 * uploads for it. The lock file `<journal>.lock` holds the owner's pid; a lock
 * left by a process that no longer runs (SIGKILL, power cut) is taken over.
 * The pid is written to a file of our own and hard-linked into place, so the
 * lock is never seen empty (and taken for stale) while being created.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { WatchError } from './errors';

export function lockJournal(journalPath: string): () => void {
  const lock = `${journalPath}.lock`;
  const mine = `${lock}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, lock);
        return () => {
          try {
            if (readFileSync(lock, 'utf8') === String(process.pid)) unlinkSync(lock);
          } catch {
            // already gone
          }
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = ownerOf(lock);
      if (owner === null) continue; // released meanwhile
      if (owner !== process.pid && isAlive(owner)) {
        throw new WatchError('JOURNAL_LOCKED', `${journalPath} is in use by another custos-recorder watch (process ${owner})`, { details: { pid: owner } });
      }
      unlinkSync(lock); // its owner is gone
    }
  } finally {
    unlinkSync(mine);
  }
  throw new WatchError('JOURNAL_LOCKED', `could not lock ${journalPath}`);
}

function ownerOf(lock: string): number | null {
  let text: string;
  try {
    text = readFileSync(lock, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const pid = Number(text);
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new WatchError('JOURNAL_LOCKED', `${lock} is not a custos-recorder lock (it holds "${text.slice(0, 40)}"); remove it if no agent runs`);
  return pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
