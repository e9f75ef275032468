import { Router, type RequestHandler } from 'express';
import { nothingToSend, type EditionReport, type EditionService } from '../editions/editions.service.ts';
import { GazetteError } from '../shared/errors.ts';
import { ADMIN_JSON_LIMIT } from './admin-subscribers.routes.ts';
import { restoreBody } from './digest-admin.openapi.ts';
import { acceptBody } from './request-body.ts';
import { parseInput } from './validate-request.ts';

/**
 * The admin API for editions, behind the admin token: the same service calls as
 * `gazette digest preview|status|resend`.
 *   GET  /api/editions                       latest editions with their counts
 *   GET  /api/editions/:id                   one edition: counts, articles, failed and bounced recipients
 *   POST /api/editions/:id/resend-failed     re-queue the failed deliveries (never the sent ones)
 *   POST /api/editions/:id/resume            let an edition the bounce circuit breaker stopped send again
 *   POST /api/bounces/restore                bounced subscribers of one edition and/or one reply back to confirmed
 *   GET  /api/digests/preview?frequency=F    the next daily or weekly digest, as HTML and text
 */
export function digestAdminRoutes(deps: { editions: EditionService; guard: RequestHandler }): Router {
  const { editions } = deps;
  const router = Router();
  router.use(['/api/editions', '/api/digests', '/api/bounces'], deps.guard);

  router.get('/api/editions', async (req, res) => {
    const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new GazetteError('ValidationFailed', 'limit must be a whole number from 1 to 100.');
    const reports = await editions.listReports(limit);
    res.set('Cache-Control', 'no-store').json({ items: reports.map(presentReport) });
  });

  router.get('/api/editions/:id', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(presentReport(await editions.report(editionId(req.params.id))));
  });

  router.post('/api/editions/:id/resend-failed', async (req, res) => {
    res.json(await editions.resendFailed(editionId(req.params.id)));
  });

  router.post('/api/editions/:id/resume', async (req, res) => {
    res.json(await editions.resume(editionId(req.params.id), 'admin-api'));
  });

  router.post('/api/bounces/restore', ...acceptBody(['json'], ADMIN_JSON_LIMIT), async (req, res) => {
    const body = parseInput(restoreBody, req.body, 'the body', ['editionId', 'reply', 'reason']);
    if (body.editionId !== undefined) editionId(body.editionId);
    res.json(await editions.restoreBounced({ ...body, actor: `admin-api from ${req.ip ?? 'unknown address'}` }));
  });

  router.get('/api/digests/preview', async (req, res) => {
    const frequency = req.query.frequency;
    if (frequency !== 'daily' && frequency !== 'weekly') throw new GazetteError('ValidationFailed', 'frequency must be "daily" or "weekly".');
    const preview = await editions.previewNext(frequency);
    if (!preview) throw new GazetteError('NothingToSend', nothingToSend(frequency));
    res.set('Cache-Control', 'no-store').json({ ...preview, periodStart: preview.periodStart.toISOString(), periodEnd: preview.periodEnd.toISOString() });
  });
  return router;
}

function editionId(value: string | string[] | undefined): string {
  if (typeof value !== 'string' || !/^[0-9a-f-]{36}$/.test(value)) throw new GazetteError('EditionNotFound', 'No edition has this id.');
  return value;
}

function presentReport(r: EditionReport): Record<string, unknown> {
  return {
    id: r.edition.id,
    frequency: r.edition.frequency,
    periodStart: r.edition.periodStart.toISOString(),
    periodEnd: r.edition.periodEnd.toISOString(),
    createdAt: r.edition.createdAt.toISOString(),
    articles: r.articles,
    total: r.total,
    counts: r.counts,
    undelivered: r.undelivered.map((u) => ({ ...u, nextAttemptAt: u.nextAttemptAt?.toISOString() ?? null })),
    stopped: r.stopped && { pausedAt: r.stopped.pausedAt.toISOString(), reason: r.stopped.reason },
  };
}
