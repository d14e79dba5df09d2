/** /v1/log/* — public, so that anyone can mirror the whole log and check it against the chain. */
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import { toHex } from '../../core/hex';
import { queryInteger } from '../request-input';
import type { AppComponents } from '../components';
import { anchorView } from '../../services/evidence-view';
import type { AnchorRecord } from '../../adapters/db/anchor-store';

export const nullableAnchorView = (anchor: AnchorRecord | null | undefined) => (anchor ? anchorView(anchor) : null);

export function logRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/log' });

  router.get('/head', (ctx) => {
    const treeSize = c.log.size();
    ctx.body = { treeSize, rootHash: toHex(c.log.root(treeSize)), anchored: nullableAnchorView(c.anchors.latest()) };
  });

  router.get('/consistency', (ctx) => {
    const size = c.log.size();
    const from = queryInteger(ctx, 'from');
    const to = queryInteger(ctx, 'to', size);
    if (from < 1 || from > to || to > size) {
      throw new AppError('INVALID_TREE_SIZE', `need 1 <= from <= to <= ${size} (the current tree size)`, { details: { from, to, treeSize: size } });
    }
    ctx.body = {
      from,
      to,
      fromRoot: toHex(c.log.root(from)),
      toRoot: toHex(c.log.root(to)),
      proof: c.log.consistencyProof(from, to).map(toHex),
    };
  });

  router.get('/inclusion', (ctx) => {
    const size = c.log.size();
    const leafIndex = queryInteger(ctx, 'leafIndex');
    const treeSize = queryInteger(ctx, 'treeSize', size);
    if (treeSize > size || leafIndex >= treeSize) {
      throw new AppError('INVALID_TREE_SIZE', `need leafIndex < treeSize <= ${size}`, { details: { leafIndex, treeSize } });
    }
    ctx.body = {
      leafIndex,
      treeSize,
      leafHash: toHex(c.log.leafHash(leafIndex)!),
      rootHash: toHex(c.log.root(treeSize)),
      proof: c.log.inclusionProof(leafIndex, treeSize).map(toHex),
    };
  });

  router.get('/entries', (ctx) => {
    const size = c.log.size();
    const start = queryInteger(ctx, 'start', 0);
    const requestedEnd = queryInteger(ctx, 'end', Math.min(size, start + c.config.logPageSize));
    if (requestedEnd < start) throw new AppError('BAD_REQUEST', 'end must not be before start');
    // Pages are bounded: a client walks the log with `next` until it is null.
    const end = Math.min(requestedEnd, size, start + c.config.logPageSize);
    const entries = c.log.entries(start, end).map((entry) => ({
      leafIndex: entry.leafIndex,
      leafHash: toHex(entry.leafHash),
      appendedAt: entry.appendedAt,
      event: JSON.parse(entry.event),
    }));
    ctx.body = { treeSize: size, start, end, next: end < size ? end : null, entries };
  });

  return router;
}
