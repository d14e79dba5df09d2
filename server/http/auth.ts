/**
 * Bearer-token authentication and role checks. The portal's signed-in pages
 * may instead hold the token in a session cookie (POST /v1/session), so that
 * HTML5 players can stream renditions with Range requests; the cookie is
 * honoured for GET and HEAD only (SameSite=Strict, HttpOnly), so it can never
 * be used to change anything (no cross-site request forgery).
 */
import type { Context, Next } from 'koa';
import { AppError } from '../core/errors';
import type { Role, TokenStore } from '../adapters/db/token-store';
import type { Actor } from '../core/events';
import { PERMISSIONS, type Permission } from '../core/permissions';

export const SESSION_COOKIE = 'custos_session';

/** The token must have a role that the permission table allows this action. */
export function requirePermission(tokens: TokenStore, permission: Permission) {
  return requireRole(tokens, ...(PERMISSIONS[permission] as readonly Role[]));
}

function requireRole(tokens: TokenStore, ...roles: Role[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.get('Authorization');
    const match = /^Bearer ([^\s]+)$/.exec(header);
    const cookie = ctx.method === 'GET' || ctx.method === 'HEAD' ? ctx.cookies.get(SESSION_COOKIE) : undefined;
    const presented = match?.[1] ?? cookie;
    if (!presented) throw new AppError('UNAUTHENTICATED', 'send a token: Authorization: Bearer <token>');
    const token = tokens.authenticate(presented);
    if (!token) throw new AppError('UNAUTHENTICATED', 'the token is unknown or revoked');
    if (!roles.includes(token.role)) {
      throw new AppError('FORBIDDEN', `this needs one of the roles ${roles.join(', ')}; the token has role ${token.role}`);
    }
    const actor: Actor = { tokenId: token.id, name: token.name, role: token.role };
    ctx.state.actor = actor;
    ctx.state.token = token;
    await next();
  };
}
