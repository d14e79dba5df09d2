/** /v1/jobs: the media pipeline's durable jobs, their progress and failures. */
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import { requirePermission } from '../auth';
import { toJobView } from '../../services/media-view';
import type { AppComponents } from '../components';
import type { JobState } from '../../adapters/db/job-store';

const STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed'];
const JOB_ID = /^job_[0-9a-f-]{36}$/;
const MAX_PAGE = 500;

export function jobRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/jobs' });
  const canRead = requirePermission(c.tokens, 'recording.read');

  router.get('/', canRead, (ctx) => {
    const { state, evidenceId, limit, before } = ctx.query;
    if (state !== undefined && !STATES.includes(state as JobState)) {
      throw new AppError('BAD_REQUEST', `state must be one of ${STATES.join(', ')}`);
    }
    if (evidenceId !== undefined && typeof evidenceId !== 'string') throw new AppError('BAD_REQUEST', 'give evidenceId once');
    if (before !== undefined && (typeof before !== 'string' || !JOB_ID.test(before))) throw new AppError('BAD_REQUEST', 'before must be a job id');
    const pageSize = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) throw new AppError('BAD_REQUEST', `limit must be an integer from 1 to ${MAX_PAGE}`);
    const jobs = c.jobs.list({ state: state as JobState | undefined, evidenceId, limit: pageSize, before: before as string | undefined });
    ctx.body = {
      counts: c.jobs.counts(),
      // Without a media tool nothing runs: say so rather than show a queue that never moves.
      runner: c.jobRunner ? { running: c.jobRunner.activeJobs().length, concurrency: c.config.jobs.concurrency } : { running: 0, stopped: 'no usable ffmpeg/ffprobe, or media processing is off' },
      jobs: jobs.map(toJobView),
      ...(jobs.length === pageSize ? { next: `/v1/jobs?${new URLSearchParams({ ...(state ? { state: String(state) } : {}), ...(evidenceId ? { evidenceId } : {}), limit: String(pageSize), before: jobs[jobs.length - 1].id })}` } : {}),
    };
  });

  router.get('/:id', canRead, (ctx) => {
    const job = JOB_ID.test(ctx.params.id) ? c.jobs.byId(ctx.params.id) : null;
    if (!job) throw new AppError('JOB_NOT_FOUND', `no job with id ${ctx.params.id}`);
    ctx.body = toJobView(job);
  });

  return router;
}
