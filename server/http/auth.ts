/** Bearer-token authentication and role checks. */
import type { Context, Next } from 'koa';
import { AppError } from '../core/errors';
import type { Role, TokenStore } from '../adapters/db/token-store';
import type { Actor } from '../core/events';
import { PERMISSIONS, type Permission } from '../core/permissions';

/** The token must have a role that the permission table allows this action. */
export function requirePermission(tokens: TokenStore, permission: Permission) {
  return requireRole(tokens, ...(PERMISSIONS[permission] as readonly Role[]));
}

function requireRole(tokens: TokenStore, ...roles: Role[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.get('Authorization');
    const match = /^Bearer ([^\s]+)$/.exec(header);
    if (!match) throw new AppError('UNAUTHENTICATED', 'send a token: Authorization: Bearer <token>');
    const token = tokens.authenticate(match[1]);
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
