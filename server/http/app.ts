/** The Koa application: middleware order is request context/errors → routes → 404. */
import Koa from 'koa';
import type { AppComponents } from './components';
import { notFound, requestContext } from './middleware';
import { evidenceRoutes } from './routes/evidence';
import { verifyRoutes } from './routes/verify';
import { logRoutes } from './routes/log';
import { healthRoutes } from './routes/health';
import { renditionRoutes } from './routes/renditions';
import { jobRoutes } from './routes/jobs';
import { uploadRoutes } from './routes/uploads';
import { deviceRoutes } from './routes/devices';
import { recordingRoutes } from './routes/recordings';
import { caseRoutes } from './routes/cases';
import { auditRoutes } from './routes/audits';
import { portalRoutes } from './routes/portal';
import { sessionRoutes } from './routes/session';

export function createApp(components: AppComponents): Koa {
  const app = new Koa();
  app.proxy = false;
  // Errors are answered and logged by requestContext; keep Koa from printing them again.
  app.silent = true;
  app.use(requestContext(components.logger.child({ component: 'http' })));
  app.use(notFound());
  for (const router of [evidenceRoutes(components), uploadRoutes(components), renditionRoutes(components), jobRoutes(components), deviceRoutes(components), recordingRoutes(components), caseRoutes(components), auditRoutes(components), verifyRoutes(components), logRoutes(components), healthRoutes(components), sessionRoutes(components), portalRoutes()]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: false }));
  }
  return app;
}
