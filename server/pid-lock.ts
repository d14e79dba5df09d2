/**
 * A lock file holding its owner's pid, for "one process per resource" (the
 * service's data directory, a dock agent's journal). A lock left by a process
 * that no longer runs (kill -9, power cut) is taken over.
 *
 * The lock appears with its pid already in it (written to a file of our own,
 * then hard-linked into place), so no one can ever read it empty and take it
 * for a stale lock.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export interface PidLockErrors {
  /** The lock is held by a live process. */
  held(owner: number): Error;
  /** The file is not a pid lock (someone else's file, or damaged). */
  foreign(content: string): Error;
  /** Lost the race three times in a row. */
  contended(): Error;
}

/** Takes the lock at `path` or throws one of `errors`; returns the release function. */
export function acquirePidLock(path: string, errors: PidLockErrors): () => void {
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
      const owner = readOwner(path, errors);
      if (owner === null) continue; // released meanwhile: try again
      if (owner !== process.pid && isAlive(owner)) throw errors.held(owner);
      unlinkSync(path); // left by a process that is gone
    }
  } finally {
    unlinkSync(mine);
  }
  throw errors.contended();
}

/** The pid in the lock, or null if the lock is gone. */
function readOwner(path: string, errors: PidLockErrors): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const owner = Number(text);
  if (!Number.isSafeInteger(owner) || owner <= 0) throw errors.foreign(text.slice(0, 40));
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
