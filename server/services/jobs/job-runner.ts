/**
 * Runs durable jobs from the JobStore with bounded concurrency. A failed
 * attempt is retried after an exponential backoff until `maxAttempts`, then
 * the job is marked failed with its last error (visible in the API). Stopping
 * aborts running jobs and gives them back unfinished; a crash (kill -9)
 * leaves them `running`, and start() queues them again. Handlers must be
 * idempotent at their end: the step that records a result checks, in its
 * transaction, that it was not recorded already (a crash may come between
 * that transaction and the job's own `succeeded`).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRow, JobStore } from '../../adapters/db/job-store';
import { describeError, type Logger } from '../../logger';

export interface JobContext {
  signal: AbortSignal;
  /** 0..1; persisted at most a few times a second. */
  progress(fraction: number): void;
  /** A fresh directory for this attempt, removed afterwards. */
  workDir: string;
  /** Runs one named step and records how long it took (shown with the job: where the time went). */
  step<T>(name: string, work: () => Promise<T>): Promise<T>;
}

export type JobHandler = (job: JobRow, context: JobContext) => Promise<void>;

export interface JobRunnerOptions {
  jobs: JobStore;
  handlers: Readonly<Record<string, JobHandler>>;
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Parent of the per-attempt work directories; emptied at start. */
  workDir: string;
  logger: Logger;
  now?: () => Date;
}

const PROGRESS_WRITE_INTERVAL_MS = 250;

export class JobRunner {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer?: NodeJS.Timeout;
  private started = false;
  private stopping = false;
  private readonly now: () => Date;

  constructor(private readonly options: JobRunnerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    const recovered = this.options.jobs.recoverInterrupted();
    if (recovered > 0) this.options.logger.warn('resuming jobs interrupted by a crash or kill', { jobs: recovered });
    await rm(this.options.workDir, { recursive: true, force: true });
    await mkdir(this.options.workDir, { recursive: true });
    this.started = true;
    this.wake();
  }

  /** Something was enqueued: look for work now rather than at the next timer. */
  wake(): void {
    if (!this.started || this.stopping) return;
    while (this.running.size < this.options.concurrency) {
      const job = this.options.jobs.claim(this.now());
      if (!job) break;
      this.launch(job);
    }
    this.scheduleNextDue();
  }

  /** Running jobs, by id. */
  activeJobs(): string[] {
    return [...this.running.keys()];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    for (const { controller } of this.running.values()) controller.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private scheduleNextDue(): void {
    clearTimeout(this.timer);
    if (this.running.size >= this.options.concurrency) return; // a finishing job wakes us
    const due = this.options.jobs.nextDue();
    if (due === null) return;
    // Capped so a clock change cannot park the queue for long.
    const delay = Math.min(Math.max(0, due - this.now().getTime()), 60_000);
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  private launch(job: JobRow): void {
    const controller = new AbortController();
    const done = this.execute(job, controller.signal).finally(() => {
      this.running.delete(job.id);
      this.wake();
    });
    this.running.set(job.id, { controller, done });
  }

  private async execute(job: JobRow, signal: AbortSignal): Promise<void> {
    const { jobs, handlers, logger } = this.options;
    const log = logger.child({ job: job.id, kind: job.kind, evidenceId: job.evidenceId, target: job.target || undefined, attempt: job.attempts });
    const workDir = join(this.options.workDir, job.id);
    let lastWrite = 0;
    const progress = (fraction: number) => {
      const at = Date.now();
      if (at - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
      lastWrite = at;
      jobs.setProgress(job.id, fraction);
    };
    const steps: Record<string, number> = {};
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        steps[name] = Math.round((steps[name] ?? 0) + performance.now() - started);
      }
    };
    try {
      const handler = handlers[job.kind];
      if (!handler) throw new Error(`no handler for jobs of kind "${job.kind}"`);
      await rm(workDir, { recursive: true, force: true });
      await mkdir(workDir, { recursive: true });
      signal.throwIfAborted(); // stopped while the work directory was being made
      log.debug('job started');
      await handler(job, { signal, progress, workDir, step });
      jobs.succeed(job.id, this.now(), steps);
      log.info('job done');
    } catch (error) {
      if (this.stopping) {
        jobs.release(job.id);
        log.info('job given back at shutdown; it runs again at the next start');
      } else if (job.attempts >= job.maxAttempts) {
        jobs.fail(job.id, errorText(error), this.now());
        log.error('job failed for good', { ...describeError(error), attempts: job.attempts });
      } else {
        const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (job.attempts - 1));
        jobs.retryLater(job.id, this.now().getTime() + delay, errorText(error));
        log.warn('job failed; retrying', { ...describeError(error), retryInMs: delay });
      }
    } finally {
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return 'code' in error && typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
  return String(error);
}
