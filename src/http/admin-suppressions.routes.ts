import { Router, type RequestHandler } from 'express';
import { liftSuppression, readSuppression, type SuppressionDeps } from '../subscribers/suppression.service.ts';
import { addressParams } from './admin-suppressions.schemas.ts';
import { parseInput } from './validate-request.ts';

export interface AdminSuppressionRoutesDeps {
  suppressions: SuppressionDeps;
  /** The admin token check (admin-auth.ts), shared with the other admin routes. */
  guard: RequestHandler;
}

/** `/api/suppressions/{address}`, behind the admin token: read or lift one address's suppression. */
export function adminSuppressionRoutes(deps: AdminSuppressionRoutesDeps): Router {
  const router = Router();
  router.use('/api/suppressions', deps.guard);

  router.get('/api/suppressions/:address', async (req, res) => {
    const { address } = parseInput(addressParams, req.params, 'the path');
    const found = await readSuppression(deps.suppressions, address);
    res.set('Cache-Control', 'no-store').json({
      suppressed: found !== undefined && found.liftedAt === null,
      reason: found?.reason ?? null,
      source: found?.source ?? null,
      suppressedAt: found?.createdAt.toISOString() ?? null,
      liftedAt: found?.liftedAt?.toISOString() ?? null,
      liftedBy: found?.liftedBy ?? null,
    });
  });

  router.delete('/api/suppressions/:address', async (req, res) => {
    const { address } = parseInput(addressParams, req.params, 'the path');
    await liftSuppression(deps.suppressions, address, `admin-api from ${req.ip ?? 'unknown address'}`);
    res.status(204).end();
  });

  return router;
}
