/**
 * A full disk, recognised wherever it surfaces: a write (ENOSPC), a quota
 * (EDQUOT) or SQLite (SQLITE_FULL), possibly wrapped as the cause of another
 * error. It becomes one stable error, STORAGE_FULL (HTTP 507), which clients
 * treat as "try again later": the upload failed whole and nothing of it was kept.
 */
import { AppError, isAppError } from './errors';

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
/** How deep a cause chain is followed (a loop in it must not hang us). */
const MAX_CAUSE_DEPTH = 8;

/** STORAGE_FULL if `error`, or one of its causes, says the disk is full; null otherwise. */
export function storageFullFrom(error: unknown): AppError | null {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    if (isAppError(current, 'STORAGE_FULL')) return current;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) {
      return new AppError('STORAGE_FULL', 'the server ran out of disk space; nothing of this request was kept, try again later', { cause: error });
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
