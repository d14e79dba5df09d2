/**
 * The proof bundle the dock keeps for each recording it sent: checked offline
 * before it is stored (and again before a recording is deleted on its
 * strength), written atomically so a crash never leaves half a proof.
 *
 * Offline means without the chain: the dock checks what it can alone — the
 * bundle is this evidence's ingest event, over this file's SHA-256, signed as
 * sent, and its inclusion proof leads to the bundle's root. That the root is
 * anchored is for `custos verify` with a chain endpoint to confirm.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isAppError } from '../../server/core/errors';
import { parseProofBundle } from '../../server/core/proof-bundle';
import { verifyProofBundle, type Check } from '../../server/core/verify';
import { WatchError } from './errors';

/** The checks a bundle must pass without the chain. */
const OFFLINE_CHECKS: ReadonlySet<string> = new Set(['bundle-format', 'content-hash', 'device-signature', 'leaf-hash', 'inclusion']);

export interface ProofCheck {
  ok: boolean;
  checks: Check[];
  treeSize?: number;
  anchoredAt?: string;
}

/** Whether `bundle` proves that evidence `evidenceId` has exactly the bytes hashing to `sha256`. Never throws for a bad bundle. */
export function verifyProofOffline(bundle: unknown, evidenceId: string, sha256: string): ProofCheck {
  let parsed;
  try {
    parsed = parseProofBundle(bundle);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { ok: false, checks: [{ check: 'bundle-format', ok: false, code: error.code, message: error.message }] };
  }
  const event = parsed.event as { type: string; evidenceId?: string };
  const checks = verifyProofBundle(parsed, { contentSha256: sha256, chain: { reachable: false, message: 'not read by the dock agent' } }).checks.filter((c) =>
    OFFLINE_CHECKS.has(c.check),
  );
  if (event.type !== 'evidence.ingested' || event.evidenceId !== evidenceId) {
    checks.push({ check: 'bundle-format', ok: false, code: 'OTHER_EVIDENCE', message: `the bundle is for ${event.type} ${event.evidenceId ?? ''}, not evidence ${evidenceId}`.trim() });
  }
  return { ok: checks.every((c) => c.ok), checks, treeSize: parsed.treeSize, anchoredAt: parsed.anchor.anchoredAt };
}

/** `<dir>/<evidenceId>.proof.json`, written to a temporary file, fsynced, then renamed into place. */
export function storeProof(dir: string, evidenceId: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${evidenceId}.proof.json`);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  // The rename itself must reach the disk before the journal says "verified".
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return path;
}

/**
 * Reads a stored proof back and checks it again: the last word before a
 * recording is deleted. Throws PROOF_MISMATCH (with the failed checks) if the
 * file is gone, unreadable, or no longer proves these bytes.
 */
export function assertStoredProof(path: string, evidenceId: string, sha256: string): void {
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new WatchError('PROOF_MISMATCH', `the stored proof ${path} cannot be read`, { cause });
  }
  const result = verifyProofOffline(bundle, evidenceId, sha256);
  if (!result.ok) {
    const failed = result.checks.filter((c) => !c.ok);
    throw new WatchError('PROOF_MISMATCH', `the stored proof ${path} does not prove this file: ${failed.map((c) => `${c.check} ${c.code}`).join(', ')}`, { details: { checks: failed } });
  }
}
