/** GET /healthz — database, IPFS and chain status; tells a verifier which chain and contract to check. */
import { Router } from '@koa/router';
import { describeError } from '../../logger';
import { anchorView } from './log';
import type { AppComponents } from '../components';

const CHAIN_PROBE_TIMEOUT_MS = 3000;

export function healthRoutes(c: AppComponents): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const database = (() => {
      try {
        return { ok: true, treeSize: c.log.size(), evidence: c.evidence.count() };
      } catch (error) {
        return { ok: false, ...describeError(error) };
      }
    })();
    const ipfs = { ok: true, profile: c.content.profile };
    const anchorer = c.anchorer.status();
    const chain = await probeChain(c);
    const ok = database.ok && ipfs.ok && chain.ok && anchorer.fork === undefined;
    ctx.status = ok ? 200 : 503;
    ctx.body = {
      status: ok ? 'ok' : 'degraded',
      database,
      ipfs,
      chain: {
        ...chain,
        anchorer: {
          reconciled: anchorer.reconciled,
          consecutiveFailures: anchorer.consecutiveFailures,
          ...(anchorer.lastError ? { lastError: anchorer.lastError } : {}),
          ...(anchorer.fork ? { fork: anchorer.fork } : {}),
          lastAnchor: anchorView(anchorer.lastAnchor ?? null),
        },
      },
    };
  });
  return router;
}

async function probeChain(c: AppComponents) {
  const info = await c.chain.info().catch(() => null);
  try {
    const head = await Promise.race([
      c.chain.latestHead(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHAIN_PROBE_TIMEOUT_MS).unref()),
    ]);
    return { ok: true, ...info, latestHead: head };
  } catch (error) {
    return { ok: false, ...info, ...describeError(error) };
  }
}
