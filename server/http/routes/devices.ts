/** /v1/devices: the registry of recorders whose signatures the service accepts (admin registers and revokes). */
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import { requirePermission } from '../auth';
import { readJsonBody } from '../request-input';
import type { AppComponents } from '../components';
import { deviceView } from '../../services/devices';

export function deviceRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/devices' });
  const admin = requirePermission(c.tokens, 'device.manage');
  const reader = requirePermission(c.tokens, 'device.read');

  const find = (id: string) => {
    const device = c.devices.byId(id);
    if (!device) throw new AppError('DEVICE_NOT_FOUND', `no device ${id} is registered`);
    return device;
  };

  router.post('/', admin, async (ctx) => {
    const body = (await readJsonBody(ctx, c.config.maxJsonBodyBytes)) as { deviceId?: unknown; publicKey?: unknown; description?: unknown };
    if (typeof body?.deviceId !== 'string' || typeof body.publicKey !== 'string' || (body.description !== undefined && typeof body.description !== 'string')) {
      throw new AppError('BAD_REQUEST', 'send {"deviceId": "…", "publicKey": "<base64 Ed25519 key>", "description"?: "…"}');
    }
    const device = c.deviceRegistry.register(body.deviceId, body.publicKey.trim(), ctx.state.actor, body.description);
    ctx.status = 201;
    ctx.set('Location', `/v1/devices/${encodeURIComponent(device.deviceId)}`);
    ctx.body = deviceView(device);
  });

  router.get('/', reader, (ctx) => {
    ctx.body = { devices: c.devices.all().map(deviceView) };
  });

  router.get('/:id', reader, (ctx) => {
    ctx.body = deviceView(find(ctx.params.id));
  });

  router.post('/:id/revoke', admin, async (ctx) => {
    find(ctx.params.id);
    const body = (ctx.get('Content-Length') && ctx.get('Content-Length') !== '0' ? await readJsonBody(ctx, c.config.maxJsonBodyBytes) : {}) as { reason?: unknown };
    if (body?.reason !== undefined && typeof body.reason !== 'string') throw new AppError('BAD_REQUEST', 'reason must be a string');
    ctx.body = deviceView(c.deviceRegistry.revoke(ctx.params.id, ctx.state.actor, body?.reason as string | undefined));
  });

  return router;
}
