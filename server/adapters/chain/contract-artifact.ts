/**
 * The CustosLog ABI and bytecode, read from Hardhat's artifact. The same code
 * runs from source (ts-node: server/adapters/chain) and compiled
 * (dist/server/adapters/chain), so the package root is found by walking up to
 * our own package.json rather than by a fixed number of "..".
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { InterfaceAbi } from 'ethers';
import { AppError } from '../../core/errors';

export const PACKAGE_NAME = 'custos';
export const ARTIFACT_PATH = join('artifacts', 'contracts', 'CustosLog.sol', 'CustosLog.json');

export interface CustosLogArtifact {
  abi: InterfaceAbi;
  /** 0x-prefixed creation bytecode. */
  bytecode: string;
  /** Absolute path the artifact was read from, for error messages. */
  path: string;
}

/** The directory of the nearest package.json named "custos" at or above `from`. */
export function findPackageRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && readPackageName(candidate) === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new AppError('CONFIG_INVALID', `cannot find the ${PACKAGE_NAME} package root above ${from}`);
    }
    dir = parent;
  }
}

function readPackageName(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name;
  } catch {
    // An unreadable package.json on the way up (e.g. a workspace root) is not ours.
    return undefined;
  }
}

let cached: CustosLogArtifact | undefined;

/** Loads (once per process) and checks the compiled CustosLog artifact. */
export function loadCustosLogArtifact(): CustosLogArtifact {
  if (cached) return cached;
  const path = join(findPackageRoot(), ARTIFACT_PATH);
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', `the CustosLog contract artifact is missing (${path}): run npm run build`, {
      cause,
      details: { path },
    });
  }
  let parsed: { abi?: unknown; bytecode?: unknown };
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', `the CustosLog contract artifact is not JSON (${path}): run npm run build`, {
      cause,
      details: { path },
    });
  }
  // "0x" alone is what Hardhat writes for an abstract contract or interface.
  if (!Array.isArray(parsed.abi) || typeof parsed.bytecode !== 'string' || !/^0x(?:[0-9a-fA-F]{2})+$/.test(parsed.bytecode)) {
    throw new AppError('CONFIG_INVALID', `the CustosLog contract artifact has no ABI or bytecode (${path}): run npm run build`, {
      details: { path },
    });
  }
  cached = { abi: parsed.abi as InterfaceAbi, bytecode: parsed.bytecode, path };
  return cached;
}
