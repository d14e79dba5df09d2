/** The verification portal's page and its two assets, built into dist/portal by `npm run build`. Public, like /v1/verify. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import { packageRoot } from '../../package-root';

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

export function portalRoutes(): Router {
  const router = new Router();
  const dir = join(packageRoot(), 'dist', 'portal');
  const cache = new Map<string, Buffer>();
  const asset = (name: string): Buffer => {
    let bytes = cache.get(name);
    if (!bytes) {
      try {
        bytes = readFileSync(join(dir, name));
      } catch (cause) {
        throw new AppError('CONTENT_UNAVAILABLE', `the portal is not built (${join(dir, name)}): run npm run build`, { cause });
      }
      cache.set(name, bytes);
    }
    return bytes;
  };
  const send = (name: string) => (ctx: { type: string; body: unknown; set(k: string, v: string): void }) => {
    ctx.type = ASSETS[name];
    ctx.set('Cache-Control', 'no-cache');
    // Nothing from elsewhere: scripts, styles and connections stay on this origin.
    ctx.set('Content-Security-Policy', "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:");
    ctx.body = asset(name);
  };
  router.get('/', send('index.html'));
  router.get('/verify', send('index.html'));
  router.get('/portal/app.js', send('app.js'));
  router.get('/portal/app.css', send('app.css'));
  return router;
}
