import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';
import { nothingToSend, type EditionReport, type EditionService } from '../editions/editions.service.ts';
import { GazetteError } from '../shared/errors.ts';
import { ADMIN_JSON_LIMIT } from './admin-subscribers.routes.ts';
import {
  editionParams,
  listEditionsQuery,
  previewQuery,
  restoreBody,
  sendEditionBody,
  type editionReportAnswer,
} from './editions-admin.schemas.ts';
import { acceptBody } from './request-body.ts';
import { parseInput } from './validate-request.ts';

/**
 * The admin API for editions, behind the admin token: the same service calls as
 * `gazette digest send|preview|status|resend|restore|resume`.
 *   POST /api/editions                       make the next edition of a frequency now (or a dry run)
 *   GET  /api/editions                       latest editions with their counts
 *   GET  /api/editions/:id                   one edition: counts, articles, failed and bounced recipients
 *   POST /api/editions/:id/resend-failed     re-queue the failed deliveries (never the sent ones)
 *   POST /api/editions/:id/resume            let an edition the bounce circuit breaker stopped send again
 *   POST /api/bounces/restore                bounced subscribers of one edition and/or one reply back to confirmed
 *   GET  /api/digests/preview?frequency=F    the next daily or weekly digest, as HTML and text
 */
export function editionsAdminRoutes(deps: { editions: EditionService; guard: RequestHandler }): Router {
  const { editions } = deps;
  const router = Router();
  router.use(['/api/editions', '/api/digests', '/api/bounces'], deps.guard);

  router.get('/api/editions', async (req, res) => {
    const { limit } = parseInput(listEditionsQuery, req.query, 'the query', Object.keys(listEditionsQuery.shape));
    const reports = await editions.listReports(limit ?? 20);
    res.set('Cache-Control', 'no-store').json({ items: reports.map(presentReport) });
  });

  router.post('/api/editions', ...acceptBody(['json'], ADMIN_JSON_LIMIT), async (req, res) => {
    const body = parseInput(sendEditionBody, req.body, 'the body', Object.keys(sendEditionBody.shape));
    const result = await editions.sendNow(body);
    if (result.dryRun) {
      const articles = result.articles.map((a) => ({ id: a.id, slug: a.slug, title: a.title, publishedAt: a.publishedAt.toISOString() }));
      res.set('Cache-Control', 'no-store').json({ dryRun: true, frequency: result.frequency, audience: result.audience, articles });
      return;
    }
    if (result.editions.length === 0) throw new GazetteError('NothingToSend', nothingToSend(result.frequency));
    const reports = await Promise.all(result.editions.map((e) => editions.report(e.edition.id)));
    res
      .status(201)
      .location(`/api/editions/${reports[0]!.edition.id}`)
      .set('Cache-Control', 'no-store')
      .json({ dryRun: false, items: reports.map(presentReport) });
  });

  router.get('/api/editions/:id', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(presentReport(await editions.report(editionIdIn(req.params))));
  });

  router.post('/api/editions/:id/resend-failed', async (req, res) => {
    res.json(await editions.resendFailed(editionIdIn(req.params)));
  });

  router.post('/api/editions/:id/resume', async (req, res) => {
    res.json(await editions.resume(editionIdIn(req.params), 'admin-api'));
  });

  router.post('/api/bounces/restore', ...acceptBody(['json'], ADMIN_JSON_LIMIT), async (req, res) => {
    const body = parseInput(restoreBody, req.body, 'the body', ['editionId', 'reply', 'reason']);
    if (body.editionId !== undefined) editionIdIn({ id: body.editionId });
    res.json(await editions.restoreBounced({ ...body, actor: `admin-api from ${req.ip ?? 'unknown address'}` }));
  });

  router.get('/api/digests/preview', async (req, res) => {
    const { frequency } = parseInput(previewQuery, req.query, 'the query', Object.keys(previewQuery.shape));
    const preview = await editions.previewNext(frequency);
    if (!preview) throw new GazetteError('NothingToSend', nothingToSend(frequency));
    res
      .set('Cache-Control', 'no-store')
      .json({ ...preview, periodStart: preview.periodStart.toISOString(), periodEnd: preview.periodEnd.toISOString() });
  });
  return router;
}

/** An id that cannot be an edition's names none: the same 404 as a well-formed id nobody issued. */
function editionIdIn(params: unknown): string {
  const parsed = editionParams.safeParse(params);
  if (!parsed.success) throw new GazetteError('EditionNotFound', 'No edition has this id.');
  return parsed.data.id;
}

function presentReport(r: EditionReport): z.input<typeof editionReportAnswer> {
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
    health: r.health,
  };
}
