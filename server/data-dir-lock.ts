/**
 * One service per data directory: two would append to one log from two
 * processes and race on the embedded chain. A lock file holds the owner's pid;
 * a lock left by a process that no longer runs (kill -9) is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { AppError } from './core/errors';

export function acquireDataDirLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new AppError('CONFIG_INVALID', `the data directory is in use by process ${owner}; stop it first or choose another --data-dir`);
      }
      unlinkSync(path);
    }
  }
  throw new AppError('INTERNAL', `could not lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
