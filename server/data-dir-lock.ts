/**
 * One service per data directory: two would append to one log from two
 * processes and race on the embedded chain (see pid-lock.ts).
 */
import { AppError } from './core/errors';
import { acquirePidLock } from './pid-lock';

export function acquireDataDirLock(path: string): () => void {
  return acquirePidLock(path, {
    held: (owner) => new AppError('CONFIG_INVALID', `the data directory is in use by process ${owner}; stop it first or choose another --data-dir`),
    foreign: (content) => new AppError('CONFIG_INVALID', `${path} is not a Custos lock (it holds "${content}"); remove it if no service runs`),
    contended: () => new AppError('INTERNAL', `could not lock ${path}`),
  });
}
