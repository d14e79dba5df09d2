/**
 * The package root. The same code runs from source (ts-node: server/...) and
 * compiled (dist/server/...), so the root is found by walking up to our own
 * package.json rather than by a fixed number of "..".
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from './core/errors';

export const PACKAGE_NAME = 'custos';

let cached: string | undefined;

/** The directory of the nearest package.json named "custos" at or above `from`. */
export function packageRoot(from: string = __dirname): string {
  if (cached && from === __dirname) return cached;
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && readPackageJson(candidate)?.name === PACKAGE_NAME) {
      if (from === __dirname) cached = dir;
      return dir;
    }
    if (dirname(dir) === dir) throw new AppError('CONFIG_INVALID', `cannot find the ${PACKAGE_NAME} package root above ${from}`);
  }
}

export function packageVersion(): string {
  return String(readPackageJson(join(packageRoot(), 'package.json'))?.version);
}

function readPackageJson(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    // An unreadable package.json on the way up (e.g. a workspace root) is not ours.
    return undefined;
  }
}
