/**
 * The dock agent's second loop: for every journal row at `uploaded`, ask for
 * the proof (202 until the log head holding the record is anchored), check it
 * offline, store it, mark the row `verified`. Journal-driven, not scan-driven:
 * a row uploaded before a restart is proven even if its file is gone.
 */
import { relative, sep } from 'node:path';
import { classifyError, errorCode, errorMessage, WatchError } from './errors';
import type { WatchEvent } from './events';
import type { Journal, JournalRow } from './journal';
import { storeProof, verifyProofOffline } from './proof-file';
import type { CustosApi } from './server-api';

/** Anchoring may take an anchor interval or a chain outage: ask less often the longer it takes, up to this. */
const MAX_POLL_INTERVAL_MS = 30_000;

export interface ProofPollerComponents {
  journal: Journal;
  api: CustosApi;
  journalDir: string;
  proofsDir: string;
  pollMs: number;
  proofTimeoutMs: number;
  /** --once: a row that times out or keeps failing is left for the next run instead of polled forever. */
  once: boolean;
  maxAttempts: number;
  emit: (event: WatchEvent) => void;
  /** A row was verified (the agent may now delete its recording). */
  onVerified: (row: JournalRow) => void;
  /** A row left for the next run (only with `once`). */
  onGaveUp: (row: JournalRow) => void;
  /** The token was refused: the agent must stop. */
  onFatal: (error: Error) => void;
}

interface Wait {
  since: number;
  next: number;
  delay: number;
  attempts: number;
  timedOut: boolean;
  /** The code last reported: the same failure at every poll is reported once. */
  reported?: string;
}

export function createProofPoller(c: ProofPollerComponents) {
  const waits = new Map<number, Wait>();
  const givenUp = new Set<number>();

  const giveUp = (row: JournalRow): boolean => {
    if (!c.once) return false;
    givenUp.add(row.id);
    c.onGaveUp(row);
    return true;
  };

  const prove = async (row: JournalRow): Promise<void> => {
    const now = Date.now();
    const wait = waits.get(row.id) ?? { since: now, next: now, delay: c.pollMs, attempts: 0, timedOut: false };
    waits.set(row.id, wait);
    if (wait.next > now) return;
    wait.delay = Math.min(MAX_POLL_INTERVAL_MS, Math.ceil(wait.delay * 1.5));
    wait.next = now + wait.delay;
    try {
      const answer = await c.api.proof(row.evidenceId!);
      if (!answer.ready) {
        if (!wait.timedOut && now - wait.since > c.proofTimeoutMs) {
          wait.timedOut = true; // reported once; without --once, polling goes on
          const message = `evidence ${row.evidenceId} is not anchored after ${c.proofTimeoutMs} ms`;
          c.journal.recordFailure(row.id, 'PROOF_TIMEOUT', message);
          const left = giveUp(row);
          c.emit({ type: 'error', path: row.path, code: 'PROOF_TIMEOUT', message, outcome: left ? 'gave-up' : 'retry', ...(left ? {} : { retryInMs: wait.delay }) });
        }
        return;
      }
      // The server's bundle is checked like anyone else's before the dock relies on it.
      const check = verifyProofOffline(answer.bundle, row.evidenceId!, row.sha256);
      if (!check.ok) {
        const failed = check.checks.filter((x) => !x.ok);
        throw new WatchError('PROOF_MISMATCH', `the server's proof of ${row.evidenceId} does not prove ${row.path}: ${failed.map((x) => `${x.check} ${x.code}`).join(', ')}`, {
          details: { checks: failed },
        });
      }
      const proofPath = storeProof(c.proofsDir, row.evidenceId!, answer.text);
      c.journal.markVerified(row.id, relative(c.journalDir, proofPath).split(sep).join('/'));
      waits.delete(row.id);
      c.emit({ type: 'verified', path: row.path, evidenceId: row.evidenceId!, proofPath, treeSize: check.treeSize, anchoredAt: check.anchoredAt });
      c.onVerified(row);
    } catch (error) {
      const kind = classifyError(error);
      const code = errorCode(error);
      const message = errorMessage(error);
      c.journal.recordFailure(row.id, code, message);
      if (kind === 'fatal') {
        c.emit({ type: 'error', path: row.path, code, message, outcome: 'fatal' });
        c.onFatal(error as Error);
        return;
      }
      wait.attempts += 1;
      const left = (kind === 'refused' || wait.attempts >= c.maxAttempts) && giveUp(row);
      if (left || wait.reported !== code) {
        c.emit({ type: 'error', path: row.path, code, message, outcome: left ? 'gave-up' : 'retry', ...(left ? {} : { retryInMs: wait.delay }) });
      }
      wait.reported = code;
    }
  };

  return {
    /** One pass over the uploaded rows whose next poll is due. */
    async pollDue(stop: AbortSignal): Promise<void> {
      for (const row of c.journal.inState('uploaded')) {
        if (stop.aborted) return;
        if (!givenUp.has(row.id)) await prove(row);
      }
    },
    /** Rows still waiting for their proof in this run. */
    pending(): number {
      return c.journal.inState('uploaded').filter((row) => !givenUp.has(row.id)).length;
    },
  };
}

export type ProofPoller = ReturnType<typeof createProofPoller>;
