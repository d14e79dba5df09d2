/** Free space on the filesystem holding a path, as an unprivileged process may use it (statfs f_bavail). */
import { statfs } from 'node:fs/promises';

export async function freeBytes(path: string): Promise<number> {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
}
