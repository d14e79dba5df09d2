/** Request id and the one error middleware that answers `{ error: { code, message, requestId } }`. */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { AppError, isAppError } from '../core/errors';
import { storageFullFrom } from '../core/storage-full';
import { HTTP_STATUS } from './error-status';
import { describeError, type Logger } from '../logger';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const given = ctx.get('X-Request-Id');
    const requestId = SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.logger = logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = Date.now();
    try {
      await next();
    } catch (error) {
      const appError = toAppError(error);
      ctx.status = HTTP_STATUS[appError.code];
      ctx.body = { error: { code: appError.code, message: appError.message, requestId, ...(appError.details ? { details: appError.details } : {}) } };
      if (ctx.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      // The rest of an unread body would be taken for the next request: tell the client not to reuse the connection.
      if (!ctx.req.complete) ctx.set('Connection', 'close');
      // Logged once, here, where it is handled; 4xx are the client's business.
      if (ctx.status >= 500) ctx.state.logger.error('request failed', { method: ctx.method, path: ctx.path, status: ctx.status, ...describeError(error) });
    }
    ctx.state.logger.debug('request', { method: ctx.method, path: ctx.path, status: ctx.status, ms: Date.now() - started });
  };
}

function toAppError(error: unknown): AppError {
  const full = storageFullFrom(error);
  if (full) return full;
  if (isAppError(error)) {
    // Internal details (paths, causes) stay in the log, not in the answer.
    return error.code === 'INTERNAL' ? new AppError('INTERNAL', 'internal error') : error;
  }
  // Koa's own errors (e.g. a malformed URL) carry a 4xx status; anything else is ours.
  const status = (error as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError('BAD_REQUEST', (error as Error).message);
  return new AppError('INTERNAL', 'internal error', { cause: error });
}

/**
 * Answers the router left without a body (no route; a route without this
 * method) get the JSON error format too. The router's own Allow header stays.
 */
export function notFound() {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.body !== undefined && ctx.body !== null) return;
    if (ctx.status === 404) throw new AppError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
    if (ctx.status === 405 || ctx.status === 501) {
      throw new AppError('METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get('Allow') || 'none'}`);
    }
  };
}
