/** /v1/audits: start an integrity audit, follow its progress, read its report (JSON, or printable HTML) and the proof that it ran. */
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import { requirePermission } from '../auth';
import { readJsonBody } from '../request-input';
import { renderReportHtml } from '../../services/audit/report-html';
import type { AppComponents } from '../components';
import type { AuditRow, AuditScope } from '../../adapters/db/audit-store';

const AUDIT_ID = /^au_[0-9a-f-]{36}$/;

export function auditView(row: AuditRow) {
  const total = row.total + 1; // step 0 is the log itself
  return {
    id: row.id,
    scope: row.scope,
    state: row.state,
    progressPercent: row.state === 'completed' ? 100 : row.items === null ? 0 : Math.floor((row.done / total) * 1000) / 10,
    items: row.total,
    itemsDone: Math.max(0, row.done - 1),
    bytes: row.bytes,
    requestedBy: row.requestedBy,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    ...(row.reportSha256 ? { reportSha256: row.reportSha256, leafIndex: row.leafIndex, report: `/v1/audits/${row.id}/report` } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

/** `{}` full · `{sample: percent}` · `{since: ISO}` · `{case: code}`. */
function scopeOf(body: Record<string, unknown>): AuditScope {
  const given = ['sample', 'since', 'case'].filter((k) => body[k] !== undefined);
  if (given.length > 1) throw new AppError('BAD_REQUEST', 'give at most one of sample, since, case');
  if (body.sample !== undefined) return { kind: 'sample', percent: Number(body.sample) };
  if (body.since !== undefined) return { kind: 'since', since: String(body.since) };
  if (body.case !== undefined) return { kind: 'case', caseCode: String(body.case) };
  return { kind: 'full' };
}

export function auditRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/audits' });
  const canRun = requirePermission(c.tokens, 'audit.run');
  const canRead = requirePermission(c.tokens, 'audit.read');

  const find = (id: string): AuditRow => {
    const row = AUDIT_ID.test(id) ? c.audits.byId(id) : null;
    if (!row) throw new AppError('NOT_FOUND', `no audit ${id}`);
    return row;
  };

  router.post('/', canRun, async (ctx) => {
    const body = ((await readJsonBody(ctx, c.config.maxJsonBodyBytes)) ?? {}) as Record<string, unknown>;
    const { tokenId, name, role } = ctx.state.actor;
    const row = c.auditor.request(scopeOf(body), { tokenId, name, role });
    ctx.status = 202;
    ctx.set('Location', `/v1/audits/${row.id}`);
    ctx.body = auditView(row);
  });

  router.get('/', canRead, (ctx) => {
    ctx.body = { audits: c.audits.list().map(auditView) };
  });

  router.get('/:id', canRead, (ctx) => {
    ctx.body = auditView(find(ctx.params.id));
  });

  router.get('/:id/report', canRead, (ctx) => {
    const row = find(ctx.params.id);
    if (row.state !== 'completed' || !row.report) throw new AppError('NOT_FOUND', `audit ${row.id} is ${row.state}: its report exists once it completes`);
    if (ctx.query.format === 'html') {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = renderReportHtml(JSON.parse(row.report), row.reportSha256!, row.leafIndex);
      return;
    }
    // The exact bytes that were hashed into the audit.completed event.
    ctx.type = 'application/json';
    ctx.set('Custos-Report-Sha256', row.reportSha256!);
    ctx.body = row.report;
  });

  /** The proof that the audit ran: its audit.completed event in the anchored log. */
  router.get('/:id/proof', canRead, (ctx) => {
    const row = find(ctx.params.id);
    if (row.leafIndex === null) throw new AppError('NOT_FOUND', `audit ${row.id} has not completed`);
    const [entry] = c.log.entries(row.leafIndex, row.leafIndex + 1);
    const built = c.buildProofBundle({ leafIndex: row.leafIndex, event: entry.event });
    if (built.status === 'pending') {
      ctx.status = 202;
      ctx.body = { status: 'pending', leafIndex: row.leafIndex };
      return;
    }
    ctx.body = built.bundle;
  });

  return router;
}
