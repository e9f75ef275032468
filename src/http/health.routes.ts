import { Router } from 'express';
import type { Readiness } from '../core/readiness.ts';
import type { HealthService } from '../store/health.service.ts';

/**
 * Three probes. `/livez`: the process answers (restart it if not). `/readyz`: send it traffic
 * (503 with the failing checks while migrations are pending, the store is down, the first ingest
 * has not run, or it is shutting down). `/healthz`: the detailed view for people.
 */
export function healthRoutes(health: HealthService, readiness: Readiness): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ ok: true });
  });
  router.get('/readyz', async (_req, res, next) => {
    try {
      const report = await readiness.check();
      res
        .status(report.ready ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json(report);
    } catch (error) {
      next(error);
    }
  });
  router.get('/healthz', async (_req, res, next) => {
    try {
      const report = await health.check();
      res
        .status(report.ok ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json(report);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
