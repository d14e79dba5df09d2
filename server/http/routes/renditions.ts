/**
 * /v1/evidence/:id/renditions: playback copies and posters derived from an
 * original, their bytes (Range, for HTML5 players) and their proof bundles,
 * which carry the original's bundle (derivedFrom) so that one verification
 * covers both the copy and what it was made from.
 */
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import { requirePermission } from '../auth';
import { sendStored } from '../send-stored';
import { logContentRead, logProofRead, requirePurpose } from '../custody-read';
import { toRenditionView } from '../../services/media-view';
import { evidenceVisible } from '../../services/case-shares';
import type { Context } from 'koa';
import type { AppComponents } from '../components';
import type { RenditionRow } from '../../adapters/db/media-store';

const EVIDENCE_ID = /^ev_[0-9a-f-]{36}$/;
const NAME = /^[a-z][a-z0-9-]{0,31}$/;

export function renditionRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/evidence/:id/renditions' });
  const canReadRecords = requirePermission(c.tokens, 'evidence.read');
  const canReadContent = requirePermission(c.tokens, 'evidence.content');

  const findEvidence = (ctx: Context, id: string) => {
    const record = EVIDENCE_ID.test(id) ? c.evidence.byId(id) : null;
    if (!record || !evidenceVisible(c.shares, ctx.state.token, record.id)) throw new AppError('EVIDENCE_NOT_FOUND', `no evidence with id ${id}`);
    return record;
  };
  const findRendition = (ctx: Context, id: string, name: string): RenditionRow => {
    findEvidence(ctx, id);
    const rendition = NAME.test(name) ? c.renditions.get(id, name) : null;
    if (!rendition) throw new AppError('RENDITION_NOT_FOUND', `evidence ${id} has no rendition "${name}" (yet: see its media.jobs)`);
    return rendition;
  };

  router.get('/', canReadRecords, (ctx) => {
    const record = findEvidence(ctx, ctx.params.id);
    ctx.body = { evidenceId: record.id, renditions: c.renditions.forEvidence(record.id).map(toRenditionView) };
  });

  router.get('/:name', canReadRecords, (ctx) => {
    ctx.body = toRenditionView(findRendition(ctx, ctx.params.id, ctx.params.name));
  });

  router.get('/:name/content', canReadContent, (ctx) => {
    const rendition = findRendition(ctx, ctx.params.id, ctx.params.name);
    const purpose = requirePurpose(ctx);
    sendStored(ctx, c.content, rendition, (range) =>
      logContentRead(ctx, c, purpose, { evidenceId: rendition.evidenceId, read: { object: 'rendition', rendition: rendition.name, ...(range ? { range } : {}) } }),
    );
  });

  router.get('/:name/proof', canReadRecords, (ctx) => {
    const rendition = findRendition(ctx, ctx.params.id, ctx.params.name);
    const built = c.buildProofBundle(rendition);
    // The original was logged before its rendition, so an anchored rendition has an anchored original.
    const original = c.buildProofBundle(findEvidence(ctx, ctx.params.id));
    if (built.status === 'pending' || original.status === 'pending') {
      ctx.status = 202;
      ctx.set('Retry-After', String(Math.max(1, Math.ceil(c.config.anchorIntervalMs / 1000))));
      ctx.body = { status: 'pending', leafIndex: rendition.leafIndex, message: 'logged; the proof is ready once the next log head is anchored' };
      return;
    }
    logProofRead(ctx, c, { evidenceId: rendition.evidenceId, read: { object: 'proof', rendition: rendition.name } });
    ctx.body = { ...built.bundle, derivedFrom: original.bundle };
  });

  return router;
}
