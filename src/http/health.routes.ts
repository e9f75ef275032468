import { Router } from 'express';
import type { HealthService } from '../store/health.service.ts';

export function healthRoutes(health: HealthService): Router {
  const router = Router();
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
