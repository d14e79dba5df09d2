/**
 * /v1/session: the portal's sign-in. The token is checked, then kept in an
 * HttpOnly, SameSite=Strict cookie that authenticates GET and HEAD only (see
 * auth.ts); writes still need the Authorization header, which the page sends.
 */
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import { SESSION_COOKIE } from '../auth';
import { readJsonBody } from '../request-input';
import type { AppComponents } from '../components';

const EIGHT_HOURS_MS = 8 * 3_600_000;

export function sessionRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/session' });

  router.post('/', async (ctx) => {
    const body = (await readJsonBody(ctx, c.config.maxJsonBodyBytes)) as { token?: unknown } | null;
    const token = typeof body?.token === 'string' ? c.tokens.authenticate(body.token.trim()) : null;
    if (!token) throw new AppError('UNAUTHENTICATED', 'the token is unknown or revoked');
    ctx.cookies.set(SESSION_COOKIE, (body!.token as string).trim(), { httpOnly: true, sameSite: 'strict', path: '/', maxAge: EIGHT_HOURS_MS, overwrite: true });
    ctx.body = { name: token.name, role: token.role, unit: token.unit, certificate: token.certificate };
  });

  router.delete('/', (ctx) => {
    ctx.cookies.set(SESSION_COOKIE, null, { httpOnly: true, sameSite: 'strict', path: '/' });
    ctx.status = 204;
  });

  return router;
}
