/**
 * The CustosLog ABI and bytecode, read from Hardhat's artifact. The same code
 * runs from source and from dist/, so the artifact is found from the package
 * root (server/package-root.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InterfaceAbi } from 'ethers';
import { AppError } from '../../core/errors';
import { packageRoot } from '../../package-root';

export const ARTIFACT_PATH = join('artifacts', 'contracts', 'CustosLog.sol', 'CustosLog.json');

export interface CustosLogArtifact {
  abi: InterfaceAbi;
  /** 0x-prefixed creation bytecode. */
  bytecode: string;
  /** Absolute path the artifact was read from, for error messages. */
  path: string;
}

let cached: CustosLogArtifact | undefined;

/** Loads (once per process) and checks the compiled CustosLog artifact. */
export function loadCustosLogArtifact(): CustosLogArtifact {
  if (cached) return cached;
  const path = join(packageRoot(), ARTIFACT_PATH);
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
