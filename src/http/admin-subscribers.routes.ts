import { Router, type RequestHandler } from 'express';
import type { Config } from '../config/config.schema.ts';
import { exportSubscribersCsv } from '../subscribers/csv-export.ts';
import { importSubscribersCsv } from '../subscribers/csv-import.ts';
import { presentSubscriber, presentSubscriberEvent } from '../subscribers/subscriber.ts';
import {
  changeSubscriber,
  deleteSubscriber,
  getSubscriberWithEvents,
  listSubscribers,
  subscriberStats,
  type SubscriberAdminDeps,
} from '../subscribers/subscriber-admin.service.ts';
import { changeBody, idParams, importQuery, listQuery } from './admin-subscribers.schemas.ts';
import { acceptBody } from './request-body.ts';
import { parseInput } from './validate-request.ts';

export const ADMIN_JSON_LIMIT = '16kb';
export const CSV_IMPORT_LIMIT = '20mb';

export interface AdminSubscriberRoutesDeps {
  config: Config;
  admin: SubscriberAdminDeps;
  /** The admin token check (admin-auth.ts), shared with the other admin routes. */
  guard: RequestHandler;
}

/** `/api/subscribers…`, JSON only, behind the admin token. */
export function adminSubscriberRoutes(deps: AdminSubscriberRoutesDeps): Router {
  const { config, admin } = deps;
  const router = Router();
  router.use('/api/subscribers', deps.guard);

  router.get('/api/subscribers', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'the query', Object.keys(listQuery.shape));
    const { q, page: number, pageSize, ...filters } = query;
    const page = await listSubscribers(admin, { ...filters, query: q, page: number ?? 1, pageSize: pageSize ?? 50 });
    res.set('Cache-Control', 'no-store').json({ ...page, items: page.items.map(presentSubscriber) });
  });

  router.get('/api/subscribers/stats', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await subscriberStats(admin));
  });

  router.get('/api/subscribers/export', (_req, res) => {
    res
      .status(200)
      .set({ 'Cache-Control': 'no-store', 'Content-Disposition': 'attachment; filename="subscribers.csv"' })
      .type('text/csv; charset=utf-8');
    exportSubscribersCsv(admin.db)
      .on('error', (error) => res.destroy(error))
      .pipe(res);
  });

  router.post('/api/subscribers/import', ...acceptBody(['csv'], CSV_IMPORT_LIMIT), async (req, res) => {
    const query = parseInput(importQuery, req.query, 'the query', ['consentSource']);
    const csv = typeof req.body === 'string' ? req.body : '';
    const report = await importSubscribersCsv(admin.db, csv, {
      now: admin.clock.now(),
      defaultFrequency: config.subscriptions.defaultFrequency,
      consentSource: query.consentSource ?? null,
      signer: admin.signer,
    });
    res.set('Cache-Control', 'no-store').json(report);
  });

  router.get('/api/subscribers/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'the path');
    const { subscriber, events } = await getSubscriberWithEvents(admin, id);
    res.set('Cache-Control', 'no-store').json({ ...presentSubscriber(subscriber), events: events.map(presentSubscriberEvent) });
  });

  router.patch('/api/subscribers/:id', ...acceptBody(['json'], ADMIN_JSON_LIMIT), async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'the path');
    const changes = parseInput(changeBody, req.body, 'the change', ['status', 'frequency', 'name']);
    res.set('Cache-Control', 'no-store').json(presentSubscriber(await changeSubscriber(admin, id, changes, 'admin-api')));
  });

  router.delete('/api/subscribers/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'the path');
    await deleteSubscriber(admin, id);
    res.status(204).end();
  });

  return router;
}
