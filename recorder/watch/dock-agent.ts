/**
 * The dock-station agent: every recording that appears in the dock folder is
 * hashed, signed with the device key, sent over tus, confirmed by the server
 * (same SHA-256), proven (bundle stored beside the journal) and, if asked,
 * deleted — each step journaled before the next (see journal.ts), so an agent
 * killed anywhere resumes without sending a file twice or skipping one.
 *
 * Two loops share the journal: the scanner (poll the folder, wait until a file
 * is stable, upload one file at a time: a dock's uplink is the bottleneck, and
 * one at a time keeps the order the recordings were made in) and the prover
 * (poll the proof of every uploaded row until anchored). They never work on
 * the same row: the scanner leaves a row at `uploaded`, the prover takes it
 * to `verified`.
 */
import { mkdirSync } from 'node:fs';
import { readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { sha256OfFile } from '../source-digest';
import type { DeviceKeys } from './device-keys';
import { classifyError, errorCode, errorMessage, ServerRefusalError, WatchError } from './errors';
import type { WatchEvent } from './events';
import { isSidecarInMetadata, sidecarNameOf } from './file-metadata';
import { Journal, type JournalRow } from './journal';
import { lockJournal } from './journal-lock';
import { assertStoredProof } from './proof-file';
import { createProofPoller } from './proof-poller';
import { sendRecording } from './send-recording';
import { CustosApi } from './server-api';
import { listRecordings, StabilityTracker, type ObservedFile } from './stable-files';

export interface DockAgentOptions {
  /** The dock folder (absolute). */
  dir: string;
  server: string;
  token: string;
  keys: DeviceKeys;
  /** Fallbacks when neither a sidecar nor the file name gives them. */
  flags: { deviceId?: string; officerId?: string };
  journalPath: string;
  deleteAfterVerified: boolean;
  retryRefused: boolean;
  /** Process what is there, then return (instead of running until `signal`). */
  once: boolean;
  pollMs: number;
  settleMs: number;
  chunkSize: number;
  proofTimeoutMs: number;
  maxRetryMs: number;
  /** With `once`: attempts per file in this run before it is left for the next run. */
  maxAttempts: number;
  stallTimeoutMs: number;
  /** SIGINT/SIGTERM: finish the chunk in flight, then stop. */
  signal: AbortSignal;
  onEvent: (event: WatchEvent) => void;
}

export interface DockAgentSummary {
  verified: number;
  deleted: number;
  refused: number;
  /** Files left for a later run after transient failures (only with `once`). */
  unfinished: number;
}

export async function runDockAgent(options: DockAgentOptions): Promise<DockAgentSummary> {
  const journalPath = resolve(options.journalPath);
  const journalDir = dirname(journalPath);
  const proofsDir = join(journalDir, 'proofs');
  mkdirSync(journalDir, { recursive: true });
  const releaseLock = lockJournal(journalPath);
  const journal = (() => {
    try {
      return Journal.open(journalPath);
    } catch (error) {
      releaseLock();
      throw error;
    }
  })();
  const api = new CustosApi(options.server, options.token);
  const tracker = new StabilityTracker(options.settleMs);
  const emit = options.onEvent;
  const summary: DockAgentSummary = { verified: 0, deleted: 0, refused: 0, unfinished: 0 };
  /** Ends both loops: the signal, a fatal error, or --once being done. */
  const halt = new AbortController();
  options.signal.addEventListener('abort', () => halt.abort(), { once: true });
  let fatal: Error | undefined;

  // Per run, in memory: what the journal need not remember across restarts.
  const attemptsThisRun = new Map<number, number>();
  const notBefore = new Map<string, number>();
  const retriedRefused = new Set<number>();

  const send = {
    journal,
    api,
    server: options.server,
    token: options.token,
    keys: options.keys,
    flags: options.flags,
    chunkSize: options.chunkSize,
    stallTimeoutMs: options.stallTimeoutMs,
    stop: halt.signal,
    emit,
    bytesSent: new Map<number, number>(),
  };
  const proofs = createProofPoller({
    journal,
    api,
    journalDir,
    proofsDir,
    pollMs: options.pollMs,
    proofTimeoutMs: options.proofTimeoutMs,
    once: options.once,
    maxAttempts: options.maxAttempts,
    emit,
    onVerified: (row) => {
      summary.verified += 1;
      // Deleting is the scanner's (one place decides deletions): it looks at the file again at its next pass.
      if (options.deleteAfterVerified) tracker.reopen(row.path);
    },
    onGaveUp: () => (summary.unfinished += 1),
    onFatal: (error) => {
      fatal = error;
      halt.abort();
    },
  });

  const exclude = (path: string) => path.startsWith(journalPath) || path === proofsDir || path.startsWith(proofsDir + sep);

  const mayRetryRefused = (row: JournalRow, file: ObservedFile) =>
    (options.retryRefused && !retriedRefused.has(row.id)) || row.sidecarStamp !== file.sidecarStamp;

  /** Journal states that need nothing from the scanner for this version of the file. */
  const needsNothing = (row: JournalRow, file: ObservedFile): boolean =>
    row.state === 'uploaded' || row.state === 'deleted' || (row.state === 'verified' && !options.deleteAfterVerified) || (row.state === 'refused' && !mayRetryRefused(row, file));

  const fail = (file: ObservedFile, row: JournalRow, error: unknown): void => {
    const code = errorCode(error);
    const message = errorMessage(error);
    if (code === 'STOPPED' && halt.signal.aborted) return; // a requested stop, not a failure
    const kind = classifyError(error);
    if (kind === 'fatal') {
      fatal = error as Error;
      emit({ type: 'error', path: file.rel, code, message, outcome: 'fatal' });
      halt.abort();
      return;
    }
    if (kind === 'refused') {
      journal.markRefused(row.id, code, message, file.sidecarStamp);
      tracker.markHandled(file);
      summary.refused += 1;
      const status = error instanceof ServerRefusalError ? { status: error.status } : {};
      emit({ type: 'error', path: file.rel, code, message, ...status, outcome: 'refused' });
      return;
    }
    journal.recordFailure(row.id, code, message);
    const attempts = (attemptsThisRun.get(row.id) ?? 0) + 1;
    attemptsThisRun.set(row.id, attempts);
    if (options.once && attempts >= options.maxAttempts) {
      tracker.markHandled(file);
      summary.unfinished += 1;
      emit({ type: 'error', path: file.rel, code, message, outcome: 'gave-up' });
      return;
    }
    // A vanished upload is not the server's trouble: create the new one at once.
    const wait = code === 'UPLOAD_GONE' ? 0 : Math.min(options.maxRetryMs, 500 * 2 ** (attempts - 1));
    notBefore.set(file.rel, Date.now() + wait);
    emit({ type: 'error', path: file.rel, code, message, outcome: 'retry', retryInMs: wait });
  };

  /** Deletes a verified recording, only on the strength of its stored proof and of its bytes as they are now. */
  const deleteVerified = async (file: ObservedFile, row: JournalRow): Promise<void> => {
    assertStoredProof(resolve(journalDir, row.proofPath!), row.evidenceId!, row.sha256);
    const sha256 = await sha256OfFile(file.path);
    if (sha256 !== row.sha256) {
      throw new WatchError('PROOF_MISMATCH', `${file.rel} no longer hashes to ${row.sha256} (found ${sha256}): not deleted`);
    }
    await unlink(file.path);
    if (file.sidecarStamp !== null) {
      const sidecar = join(dirname(file.path), sidecarNameOf(basename(file.path)));
      const text = await readFile(sidecar, 'utf8').catch(() => null);
      if (text !== null && isSidecarInMetadata(text, JSON.parse(row.metadata!))) await unlink(sidecar).catch(() => undefined);
    }
    journal.markDeleted(row.id);
    summary.deleted += 1;
    emit({ type: 'deleted', path: file.rel, evidenceId: row.evidenceId! });
  };

  const handle = async (file: ObservedFile): Promise<void> => {
    let row = journal.find(file.rel, file.size, file.mtimeMs);
    if (!row) {
      const sha256 = await sha256OfFile(file.path);
      const after = await stat(file.path);
      if (after.size !== file.size || after.mtimeMs !== file.mtimeMs) return; // written to while hashing: wait for it to settle again
      row = journal.add({ path: file.rel, size: file.size, mtimeMs: file.mtimeMs, sha256 });
    }
    if (row.state === 'refused') {
      if (!mayRetryRefused(row, file)) return tracker.markHandled(file);
      retriedRefused.add(row.id);
      row = journal.retryRefused(row.id);
    }
    if (row.state === 'verified' && options.deleteAfterVerified) {
      try {
        await deleteVerified(file, row);
      } catch (error) {
        emit({ type: 'error', path: file.rel, code: errorCode(error), message: errorMessage(error), outcome: 'refused' });
      }
    }
    if (row.state !== 'pending' && row.state !== 'uploading') return tracker.markHandled(file);
    try {
      if (await sendRecording(send, file, row)) tracker.markHandled(file);
    } catch (error) {
      if (error instanceof WatchError && error.code === 'UPLOAD_GONE') journal.forgetUpload(row.id);
      fail(file, row, error);
    }
  };

  const scanner = async (): Promise<void> => {
    let unreadable = false;
    while (!halt.signal.aborted) {
      let listing: ObservedFile[];
      try {
        listing = await listRecordings(options.dir, exclude);
        unreadable = false;
      } catch (error) {
        // An undocked camera or a dropped mount: wait for it to come back (reported once), unless this is a one-off run.
        if (options.once) throw error;
        if (!unreadable) emit({ type: 'error', code: errorCode(error), message: errorMessage(error), outcome: 'retry', retryInMs: options.pollMs });
        unreadable = true;
        await sleep(options.pollMs, halt.signal);
        continue;
      }
      const now = Date.now();
      for (const file of listing) {
        if (tracker.isKnown(file)) continue;
        const row = journal.find(file.rel, file.size, file.mtimeMs);
        // Already done (or refused) in an earlier run: no settle period, no events.
        if (row && needsNothing(row, file)) tracker.markHandledAtOnce(file, now);
      }
      const observed = tracker.observe(listing, now);
      for (const file of observed.seen) emit({ type: 'file-seen', path: file.rel, size: file.size });
      for (const file of observed.stable) {
        if (halt.signal.aborted) break;
        if ((notBefore.get(file.rel) ?? 0) > Date.now()) continue;
        if (!notBefore.has(file.rel)) emit({ type: 'file-stable', path: file.rel, size: file.size, mtime: new Date(file.mtimeMs).toISOString() });
        try {
          await handle(file);
        } catch (error) {
          // Outside an upload: hashing or the journal. Never skip the file for it: retry it later.
          const row = journal.find(file.rel, file.size, file.mtimeMs);
          if (row) fail(file, row, error);
          else if (options.once) {
            tracker.markHandled(file);
            summary.unfinished += 1;
            emit({ type: 'error', path: file.rel, code: errorCode(error), message: errorMessage(error), outcome: 'gave-up' });
          } else {
            emit({ type: 'error', path: file.rel, code: errorCode(error), message: errorMessage(error), outcome: 'retry', retryInMs: options.maxRetryMs });
            notBefore.set(file.rel, Date.now() + options.maxRetryMs);
          }
        }
      }
      // Proofs first: the prover marks a row verified and reopens its file in one step, so the scanner sees it next.
      if (options.once && proofs.pending() === 0 && !tracker.hasUnhandled()) break;
      await sleep(options.pollMs, halt.signal);
    }
  };

  const prover = async (): Promise<void> => {
    while (!halt.signal.aborted) {
      await proofs.pollDue(halt.signal);
      await sleep(options.pollMs, halt.signal);
    }
  };

  // Both loops end before the journal closes, whichever ends first (or fails).
  const loops = await Promise.allSettled([scanner().finally(() => halt.abort()), prover().finally(() => halt.abort())]);
  journal.close();
  releaseLock();
  if (fatal) throw fatal;
  for (const loop of loops) if (loop.status === 'rejected') throw loop.reason;
  emit({ type: 'stopped', reason: options.signal.aborted ? 'signal' : 'done', ...summary });
  return summary;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
