import type { Router } from 'express';
import { z } from 'zod';
import { exportSubscribersCsv } from '../../subscribers/csv-export.ts';
import { importSubscribersCsv } from '../../subscribers/csv-import.ts';
import { FREQUENCIES } from '../../shared/frequency.ts';
import { GazetteError } from '../../shared/errors.ts';
import { changeSubscriber, deleteSubscriber, getSubscriber, listSubscribers } from '../../subscribers/subscriber-admin.service.ts';
import { subscriberStatuses, type Subscriber } from '../../subscribers/subscriber.ts';
import { allowOwnScript } from '../security-headers.ts';
import { parseInput } from '../validate-request.ts';
import { presentHistory } from '../views/console-subscriber-views.ts';
import { createConsoleFormat } from '../views/console-format.ts';
import type { ConsoleDeps } from './console.routes.ts';
import { IMPORT_PROGRESS_PATH, IMPORT_PROGRESS_SCRIPT } from './import-progress.script.ts';
import { actorOf, redirectDone, sendConsolePage } from './console-page.ts';

const PAGE_SIZE = 50;
const listQuery = z.object({
  q: z.string().max(200).optional(),
  status: z.enum(subscriberStatuses).or(z.literal('')).optional(),
  frequency: z.enum(FREQUENCIES).or(z.literal('')).optional(),
  page: z
    .string()
    .regex(/^[1-9][0-9]{0,6}$/)
    .optional(),
  done: z.string().max(40).optional(),
});
const idParams = z.object({ id: z.string().min(1).max(100) });
const changeForm = z.object({
  _csrf: z.string(),
  status: z.enum(subscriberStatuses),
  frequency: z.enum(FREQUENCIES),
  name: z.string().max(100),
});
const importForm = z.object({ _csrf: z.string(), file: z.string(), consentSource: z.string().max(200).optional() });

const DONE: Record<string, string> = {
  changed: 'The subscriber was changed.',
  deleted: 'The subscriber was deleted; their address is suppressed, so it cannot be signed up or imported again.',
};

/** The audit log's picture of a subscriber: what an operator can change. */
const auditView = (s: Subscriber) => ({ status: s.status, frequency: s.frequency, name: s.name });

export function registerSubscriberRoutes(router: Router, deps: ConsoleDeps): void {
  const { views, subscriberAdmin: admin, config } = deps;
  const fmt = createConsoleFormat(config);

  router.get('/subscribers', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'the query');
    const page = Number(query.page ?? 1);
    const found = await listSubscribers(admin, {
      query: query.q || undefined,
      status: query.status || undefined,
      frequency: query.frequency || undefined,
      page,
      pageSize: PAGE_SIZE,
    });
    const pageCount = Math.max(1, Math.ceil(found.total / PAGE_SIZE));
    allowOwnScript(res);
    const link = (p: number) =>
      `/admin/subscribers?${new URLSearchParams({ q: query.q ?? '', status: query.status ?? '', frequency: query.frequency ?? '', page: String(p) })}`;
    sendConsolePage(
      res,
      views,
      'console-subscribers',
      {
        q: query.q ?? '',
        statuses: subscriberStatuses.map((s) => ({ value: s, selected: s === query.status })),
        frequencies: FREQUENCIES.map((f) => ({ value: f, selected: f === query.frequency })),
        total: found.total,
        page,
        pageCount,
        previous: page > 1 ? link(page - 1) : null,
        next: page < pageCount ? link(page + 1) : null,
        rows: found.items.map((s) => ({ ...s, href: `/admin/subscribers/${s.id}`, createdAt: fmt.dateTime(s.createdAt) })),
        done: query.done && DONE[query.done],
        importScriptSrc: `/admin${IMPORT_PROGRESS_PATH}`,
      },
      { title: 'Subscribers', section: 'subscribers' },
    );
  });

  router.get(IMPORT_PROGRESS_PATH, (_req, res) => {
    res.type('text/javascript').send(IMPORT_PROGRESS_SCRIPT);
  });

  router.get('/subscribers/export', (_req, res) => {
    res.status(200).set('Content-Disposition', 'attachment; filename="subscribers.csv"').type('text/csv; charset=utf-8');
    exportSubscribersCsv(admin.db)
      .on('error', (error) => res.destroy(error))
      .pipe(res);
  });

  router.post('/subscribers/import', async (req, res) => {
    const form = parseInput(importForm, req.body, 'the form');
    if (form.file.trim() === '') throw new GazetteError('InvalidArgument', 'Choose a CSV file to import.');
    const report = await importSubscribersCsv(admin.db, form.file, {
      now: admin.clock.now(),
      defaultFrequency: config.subscriptions.defaultFrequency,
      consentSource: form.consentSource?.trim() || null,
      signer: admin.signer,
    });
    const { invalid, suppressedLines, ...counts } = report;
    await deps.audit.record(actorOf(req, res), {
      action: 'subscribers.import',
      target: { kind: 'subscribers', id: null },
      after: { ...counts, invalid: invalid.length, suppressed: suppressedLines.length },
    });
    // One table in file order: the invalid lines and the suppressed ones, each with why.
    const notImported = [
      ...invalid,
      ...suppressedLines.map((line) => ({ line, reason: 'suppressed (deleted or complained before; not imported)' })),
    ].sort((a, b) => a.line - b.line);
    sendConsolePage(
      res,
      views,
      'console-import-report',
      { report, invalidCount: invalid.length, notImported },
      { title: 'Import report', section: 'subscribers' },
    );
  });

  router.get('/subscribers/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'the path');
    const subscriber = await getSubscriber(admin, id);
    const history = await deps.reads.subscriberHistory(id);
    const done = typeof req.query.done === 'string' ? DONE[req.query.done] : undefined;
    sendConsolePage(
      res,
      views,
      'console-subscriber',
      { ...presentHistory(subscriber, history, fmt), done },
      { title: subscriber.email, section: 'subscribers' },
    );
  });

  router.post('/subscribers/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'the path');
    const form = parseInput(changeForm, req.body, 'the form');
    const before = await getSubscriber(admin, id);
    const after = await changeSubscriber(admin, id, { status: form.status, frequency: form.frequency, name: form.name.trim() || null });
    await deps.audit.record(actorOf(req, res), {
      action: 'subscriber.change',
      target: { kind: 'subscriber', id },
      before: auditView(before),
      after: auditView(after),
    });
    redirectDone(res, `/admin/subscribers/${id}`, 'changed');
  });

  router.post('/subscribers/:id/delete', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'the path');
    const before = await getSubscriber(admin, id);
    await deleteSubscriber(admin, id);
    // No address or name: the entry outlives the erasure it records.
    await deps.audit.record(actorOf(req, res), {
      action: 'subscriber.delete',
      target: { kind: 'subscriber', id },
      before: { status: before.status, frequency: before.frequency },
    });
    redirectDone(res, '/admin/subscribers', 'deleted');
  });
}
