/**
 * One agent per journal: two would both see a pending file and create two
 * uploads for it. `<journal>.lock` holds the owner's pid (see server/pid-lock.ts).
 */
import { acquirePidLock } from '../../server/pid-lock';
import { WatchError } from './errors';

export function lockJournal(journalPath: string): () => void {
  const lock = `${journalPath}.lock`;
  return acquirePidLock(lock, {
    held: (pid) => new WatchError('JOURNAL_LOCKED', `${journalPath} is in use by another custos-recorder watch (process ${pid})`, { details: { pid } }),
    foreign: (content) => new WatchError('JOURNAL_LOCKED', `${lock} is not a custos-recorder lock (it holds "${content}"); remove it if no agent runs`),
    contended: () => new WatchError('JOURNAL_LOCKED', `could not lock ${journalPath}`),
  });
}
