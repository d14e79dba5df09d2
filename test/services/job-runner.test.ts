import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../server/adapters/db/database';
import { JobStore, type JobRow } from '../../server/adapters/db/job-store';
import { JobRunner, type JobHandler } from '../../server/services/jobs/job-runner';
import { createLogger } from '../../server/logger';

/** The job queue on a real SQLite file; handlers are the test's own jobs. */
describe('job runner (SQLite queue)', () => {
  let dir: string;
  let db: Db;
  let jobs: JobStore;
  let runner: JobRunner | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'custos-jobs-'));
    db = openDatabase(join(dir, 'custos.db'));
    jobs = new JobStore(db);
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Jobs reference evidence; insert bare rows so the foreign key holds. */
  function addEvidence(id: string): void {
    db.prepare("INSERT INTO log_leaves (leaf_index, leaf_hash, event, appended_at) VALUES ((SELECT count(*) FROM log_leaves), zeroblob(32), '{}', '')").run();
    db.prepare("INSERT INTO evidence (id, sha256, size, media_type, cid, leaf_index, event, received_at) VALUES (?, ?, 1, 'x/y', 'c', (SELECT max(leaf_index) FROM log_leaves), '{}', '')").run(id, id.padEnd(64, '0'));
  }

  function enqueue(evidenceId: string, target = '', maxAttempts = 3): void {
    addEvidenceOnce(evidenceId);
    db.transaction(() => jobs.enqueue('test', evidenceId, target, { maxAttempts, now: new Date() }))();
  }
  function addEvidenceOnce(id: string): void {
    if (!db.prepare('SELECT 1 FROM evidence WHERE id = ?').get(id)) addEvidence(id);
  }

  function start(handler: JobHandler, options: { concurrency?: number; retryBaseMs?: number } = {}): JobRunner {
    runner = new JobRunner({
      jobs,
      handlers: { test: handler },
      concurrency: options.concurrency ?? 2,
      retryBaseMs: options.retryBaseMs ?? 20,
      retryMaxMs: 1000,
      workDir: join(dir, 'work'),
      logger: createLogger('silent'),
    });
    return runner;
  }

  async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the job queue');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('enqueues a (kind, evidence, target) once, however often it is asked', () => {
    enqueue('a', 'x');
    enqueue('a', 'x');
    enqueue('a', 'y');
    expect(jobs.list({ limit: 10 }).map((j) => j.target).sort()).to.deep.equal(['x', 'y']);
  });

  it('runs every job once, never more than `concurrency` at a time', async () => {
    for (let i = 0; i < 7; i++) enqueue(`e${i}`);
    let active = 0;
    let peak = 0;
    const ran: string[] = [];
    await start(async (job) => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 30));
      ran.push(job.evidenceId);
      active -= 1;
    }, { concurrency: 2 }).start();
    await until(() => jobs.counts().succeeded === 7);
    expect(peak).to.equal(2);
    expect(ran.sort()).to.deep.equal(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
  });

  it('retries a failing job with backoff, then marks it failed with its last error', async () => {
    enqueue('flaky', '', 3);
    const attempts: number[] = [];
    await start(async (job) => {
      attempts.push(Date.now());
      throw new Error(`boom ${job.attempts}`);
    }, { retryBaseMs: 50 }).start();
    await until(() => jobs.counts().failed === 1);
    const [job] = jobs.list({ limit: 1 });
    expect(job.state).to.equal('failed');
    expect(job.attempts).to.equal(3);
    expect(job.lastError).to.equal('boom 3');
    expect(attempts).to.have.length(3);
    // Backoff doubles: at least 50 ms, then at least 100 ms between attempts.
    expect(attempts[1] - attempts[0]).to.be.at.least(45);
    expect(attempts[2] - attempts[1]).to.be.at.least(95);
  });

  it('a job that succeeds on a retry ends succeeded, its earlier error cleared', async () => {
    enqueue('second-time');
    await start(async (job) => {
      if (job.attempts === 1) throw new Error('transient');
    }).start();
    await until(() => jobs.counts().succeeded === 1);
    const [job] = jobs.list({ limit: 1 });
    expect(job.attempts).to.equal(2);
    expect(job.lastError).to.equal(null);
  });

  it('after a crash (job left running), start() runs it again, and it completes once', async () => {
    enqueue('crashed');
    const claimed = jobs.claim(new Date()) as JobRow;
    expect(claimed.state).to.equal('running'); // the process "dies" here
    const ran: string[] = [];
    await start(async (job) => {
      ran.push(job.id);
    }).start();
    await until(() => jobs.counts().succeeded === 1);
    expect(ran).to.deep.equal([claimed.id]);
    expect(jobs.byId(claimed.id)!.attempts).to.equal(2);
  });

  it('stop() aborts a running job and gives it back queued, its attempt not counted', async () => {
    enqueue('long');
    let aborted = false;
    let started = false;
    await start(
      (_job, { signal }) =>
        new Promise((_resolve, reject) => {
          started = true;
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    ).start();
    await until(() => started);
    expect(jobs.counts().running).to.equal(1);
    await runner!.stop();
    runner = undefined;
    expect(aborted).to.equal(true);
    const [job] = jobs.list({ limit: 1 });
    expect(job.state).to.equal('queued');
    expect(job.attempts).to.equal(0);
  });

  it('persists progress while a job runs', async () => {
    enqueue('progress');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await start(async (_job, { progress }) => {
      progress(0.42);
      await gate;
    }).start();
    await until(() => jobs.list({ limit: 1 })[0].progress > 0);
    expect(jobs.list({ limit: 1 })[0].progress).to.be.closeTo(0.42, 1e-9);
    release();
    await until(() => jobs.counts().succeeded === 1);
    expect(jobs.list({ limit: 1 })[0].progress).to.equal(1);
  });

  it('records the time of each named step of the attempt that succeeded', async () => {
    enqueue('timed');
    await start(async (_job, { step }) => {
      await step('wait', () => new Promise((r) => setTimeout(r, 30)));
      expect(await step('compute', async () => 42)).to.equal(42);
    }).start();
    await until(() => jobs.counts().succeeded === 1);
    const { steps } = jobs.list({ limit: 1 })[0];
    expect(Object.keys(steps!)).to.deep.equal(['wait', 'compute']);
    expect(steps!.wait).to.be.at.least(25);
  });

  it('a job of an unknown kind fails with a readable error instead of hanging', async () => {
    addEvidenceOnce('odd');
    db.transaction(() => jobs.enqueue('no-such-kind', 'odd', '', { maxAttempts: 1, now: new Date() }))();
    await start(async () => undefined).start();
    await until(() => jobs.counts().failed === 1);
    expect(jobs.list({ limit: 1 })[0].lastError).to.match(/no handler for jobs of kind "no-such-kind"/);
  });
});
