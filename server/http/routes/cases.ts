/** /v1/cases: cases named by their action code, and the evidence attached to them. */
import { Router } from '@koa/router';
import { requirePermission } from '../auth';
import { readJsonBody } from '../request-input';
import { custodyHistory } from '../custody-read';
import { AppError } from '../../core/errors';
import type { CaseOpenedEvent } from '../../core/case-events';
import type { AppComponents } from '../components';
import type { CaseRow } from '../../adapters/db/case-store';
import type { Context } from 'koa';
import { zipStream } from '../../adapters/package/zip';
import { documents } from '../../adapters/documents/lazy';

export function caseRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/cases' });
  const canOpen = requirePermission(c.tokens, 'case.open');
  const canRead = requirePermission(c.tokens, 'case.read');
  const canAttach = requirePermission(c.tokens, 'case.attach');
  const canChangeStatus = requirePermission(c.tokens, 'case.status');
  const canNote = requirePermission(c.tokens, 'case.note');
  const canShare = requirePermission(c.tokens, 'case.share');
  const canReview = requirePermission(c.tokens, 'case.review');
  const canPackage = requirePermission(c.tokens, 'package.read');
  const canPrintCard = requirePermission(c.tokens, 'case.card');
  const baseUrl = (ctx: Context) => c.config.publicUrl ?? ctx.origin;

  const view = (row: CaseRow) => {
    const opened = JSON.parse(row.event) as CaseOpenedEvent;
    const review = c.caseReview.view(row);
    const reviewed = new Set(review.state === 'reviewed' ? review.reviewedEvidenceIds : []);
    return {
      code: row.code,
      actionType: { code: row.actionType, ...c.caseService.actionTypes[row.actionType] },
      unit: row.unit,
      title: opened.title,
      status: row.status,
      openedBy: { name: opened.openedBy.name, certificate: opened.certificate },
      openedAt: row.openedAt,
      leafIndex: row.leafIndex,
      evidence: c.cases.attachments(row.code).map((a) => ({
        evidenceId: a.evidenceId,
        attachedAt: a.attachedAt,
        attachLeaf: a.attachLeaf,
        ...(a.detachedAt ? { detachedAt: a.detachedAt, detachLeaf: a.detachLeaf } : {}),
        state: a.detachedAt ? 'detached' : 'attached',
        ...(a.detachedAt ? {} : { review: reviewed.has(a.evidenceId) ? 'reviewed' : 'pending' }),
      })),
      review,
    };
  };

  router.post('/', canOpen, async (ctx) => {
    const body = (await readJsonBody(ctx, c.config.maxJsonBodyBytes)) as Record<string, unknown>;
    const row = c.caseService.open(ctx.state.token, body ?? {});
    ctx.status = 201;
    ctx.set('Location', `/v1/cases/${row.code}`);
    ctx.body = view(row);
  });

  router.get('/:code', canRead, (ctx) => {
    ctx.body = view(c.caseService.find(ctx.params.code, ctx.state.token));
  });

  router.post('/:code/evidence', canAttach, async (ctx) => {
    const body = (await readJsonBody(ctx, c.config.maxJsonBodyBytes)) as { evidenceId?: unknown; purpose?: unknown };
    c.caseService.attach(ctx.state.token, ctx.params.code, body?.evidenceId, body?.purpose);
    ctx.status = 201;
    ctx.body = view(c.caseService.find(ctx.params.code, ctx.state.token));
  });

  router.post('/:code/status', canChangeStatus, async (ctx) => {
    const body = (await readJsonBody(ctx, c.config.maxJsonBodyBytes)) as { status?: unknown; reason?: unknown };
    ctx.body = view(c.caseService.setStatus(ctx.state.token, ctx.params.code, body?.status, body?.reason));
  });

  router.post('/:code/notes', canNote, async (ctx) => {
    const body = (await readJsonBody(ctx, c.config.maxJsonBodyBytes)) as { text?: unknown };
    const leafIndex = c.caseService.addNote(ctx.state.token, ctx.params.code, body?.text);
    ctx.status = 201;
    ctx.body = { caseCode: ctx.params.code, leafIndex };
  });

  /** Every custody event about the case itself (opening, status, notes, shares, reviews, packages), with proofs. */
  router.get('/:code/custody', canRead, (ctx) => {
    const row = c.caseService.find(ctx.params.code, ctx.state.token);
    ctx.body = { caseCode: row.code, events: custodyHistory(c, [row.leafIndex, ...c.custodyStore.leavesForCase(row.code)]) };
  });

  router.get('/:code/shares', canRead, (ctx) => {
    ctx.body = { caseCode: ctx.params.code, shares: c.caseShares.list(ctx.state.token, ctx.params.code) };
  });

  router.post('/:code/shares', canShare, async (ctx) => {
    const body = (await readJsonBody(ctx, c.config.maxJsonBodyBytes)) as Record<string, unknown>;
    const share = c.caseShares.create(ctx.state.token, ctx.params.code, body ?? {});
    ctx.status = 201;
    ctx.body = share;
  });

  router.delete('/:code/shares/:shareId', canShare, (ctx) => {
    const reason = ctx.query.reason ?? ctx.get('Custos-Purpose');
    ctx.body = c.caseShares.revoke(ctx.state.token, ctx.params.code, ctx.params.shareId, reason);
  });

  router.post('/:code/reviews', canReview, async (ctx) => {
    const body = (await readJsonBody(ctx, c.config.maxJsonBodyBytes)) as Record<string, unknown>;
    const { leafIndex } = c.caseReview.decide(ctx.state.token, ctx.params.code, body ?? {});
    ctx.status = 201;
    ctx.body = { leafIndex, case: view(c.caseService.find(ctx.params.code, ctx.state.token)) };
  });

  /** The case-file package (ZIP). Logged as case.packaged before a byte is sent; ?media=1 includes the originals. */
  router.get('/:code/package', canPackage, async (ctx) => {
    const purpose = ctx.query.purpose ?? ctx.get('Custos-Purpose');
    const built = await c.casePackages.build(ctx.state.token, ctx.params.code, { purpose, media: ctx.query.media === '1', baseUrl: baseUrl(ctx) });
    ctx.set('Content-Type', 'application/zip');
    ctx.set('Content-Disposition', `attachment; filename="case-${built.manifest.case.code}.zip"`);
    ctx.set('Custos-Manifest-Sha256', built.manifestSha256);
    ctx.set('Custos-Leaf-Index', String(built.leafIndex));
    ctx.body = zipStream(built.entries, new Date(built.manifest.generatedAt));
  });

  /** The supervision card (一案一卡) the officer hands to the party: the officer's name and certificate, and a QR code of the case's public status. */
  router.get('/:code/card', canPrintCard, async (ctx) => {
    const row = c.caseService.find(ctx.params.code, ctx.state.token);
    const token = ctx.state.token;
    if (!token.certificate) throw new AppError('OFFICER_NOT_CERTIFIED', 'the card names the officer’s enforcement certificate: this account has none');
    const opened = JSON.parse(row.event) as CaseOpenedEvent;
    ctx.set('Content-Type', 'application/pdf');
    ctx.set('Content-Disposition', `attachment; filename="card-${row.code}.pdf"`);
    ctx.body = await documents().renderSupervisionCardPdf({
      caseCode: row.code,
      caseTitle: opened.title,
      actionType: c.caseService.actionTypes[row.actionType] ?? { en: row.actionType, zh: row.actionType },
      unit: row.unit,
      officer: { name: token.name, certificate: token.certificate },
      issuedAt: new Date().toISOString(),
      statusUrl: `${baseUrl(ctx)}/v1/cases/${row.code}/public-status`,
    });
  });

  /** Public: what the party may know from the card's QR code (no names, no evidence). */
  router.get('/:code/public-status', (ctx) => {
    const row = /^\d{27}$/.test(ctx.params.code) ? c.cases.byCode(ctx.params.code) : null;
    if (!row) throw new AppError('CASE_NOT_FOUND', `no case ${ctx.params.code}`);
    ctx.body = {
      code: row.code,
      actionType: { code: row.actionType, ...c.caseService.actionTypes[row.actionType] },
      status: row.status,
      openedAt: row.openedAt,
      review: c.caseReview.view(row).state,
    };
  });

  router.delete('/:code/evidence/:evidenceId', canAttach, (ctx) => {
    const purpose = ctx.query.purpose ?? ctx.get('Custos-Purpose');
    c.caseService.detach(ctx.state.token, ctx.params.code, ctx.params.evidenceId, purpose);
    ctx.body = view(c.caseService.find(ctx.params.code, ctx.state.token));
  });

  return router;
}
