/**
 * One service per data directory: two would append to one log from two
 * processes and race on the embedded chain. A lock file holds the owner's pid;
 * a lock left by a process that no longer runs (kill -9) is taken over.
 *
 * The lock appears with its pid already in it (written to a file of our own,
 * then hard-linked into place), so no one can ever read it empty and take it
 * for a stale lock.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { AppError } from './core/errors';

export function acquireDataDirLock(path: string): () => void {
  const mine = `${path}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, path);
        return () => {
          try {
            if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
          } catch {
            /* already gone */
          }
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(path);
      if (owner === null) continue; // released meanwhile: try again
      if (owner !== process.pid && isAlive(owner)) {
        throw new AppError('CONFIG_INVALID', `the data directory is in use by process ${owner}; stop it first or choose another --data-dir`);
      }
      unlinkSync(path); // left by a process that is gone
    }
  } finally {
    unlinkSync(mine);
  }
  throw new AppError('INTERNAL', `could not lock ${path}`);
}

/** The pid in the lock, or null if the lock is gone. */
function readOwner(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const owner = Number(text);
  if (!Number.isSafeInteger(owner) || owner <= 0) throw new AppError('CONFIG_INVALID', `${path} is not a Custos lock (it holds "${text.slice(0, 40)}"); remove it if no service runs`);
  return owner;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
