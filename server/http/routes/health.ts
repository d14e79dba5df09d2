/** GET /healthz — database, IPFS, free disk space and chain status; tells a verifier which chain and contract to check. */
import { Router } from '@koa/router';
import { describeError } from '../../logger';
import { nullableAnchorView } from './log';
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
    const storage = await c.storage.status().catch((error: unknown) => ({ ok: false, ...describeError(error) }));
    const ok = database.ok && ipfs.ok && storage.ok && chain.ok && anchorer.fork === undefined;
    // Media is reported, not required: evidence is taken and anchored without it (probes wait).
    const tool = c.mediaTool?.info;
    const media = !c.config.media.enabled
      ? { ok: true, enabled: false }
      : tool
        ? { ok: true, enabled: true, source: tool.source, ffmpeg: tool.ffmpegVersion, ffprobe: tool.ffprobeVersion, jobs: c.jobs.counts() }
        : { ok: false, enabled: true, error: 'no usable ffmpeg/ffprobe: media jobs are waiting', jobs: c.jobs.counts() };
    ctx.status = ok ? 200 : 503;
    ctx.body = {
      status: ok ? 'ok' : 'degraded',
      database,
      ipfs,
      storage,
      media,
      chain: {
        ...chain,
        anchorer: {
          reconciled: anchorer.reconciled,
          consecutiveFailures: anchorer.consecutiveFailures,
          ...(anchorer.lastError ? { lastError: anchorer.lastError } : {}),
          ...(anchorer.fork ? { fork: anchorer.fork } : {}),
          lastAnchor: nullableAnchorView(anchorer.lastAnchor),
        },
      },
    };
  });
  return router;
}

async function probeChain(c: AppComponents) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHAIN_PROBE_TIMEOUT_MS} ms`)), CHAIN_PROBE_TIMEOUT_MS);
  });
  try {
    const [info, head] = await Promise.race([Promise.all([c.chain.info(), c.chain.latestHead()]), timeout]);
    return { ok: true, ...info, latestHead: head };
  } catch (error) {
    return { ok: false, ...describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}
