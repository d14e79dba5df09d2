/**
 * Temporary directories of the test run, all removed once the whole run is
 * over (a root-level hook), so repeated runs do not pile data directories up
 * in /tmp. Removed at the end, not per suite: a suite's server, or a child
 * process it started, may still be writing until the suite's own hooks ran.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];

after(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}
