import type { Router } from 'express';
import { z } from 'zod';
import { nothingToSend } from '../../editions/editions.service.ts';
import { GazetteError } from '../../shared/errors.ts';
import { FREQUENCIES } from '../../shared/frequency.ts';
import { allowOwnFrames, framedMailPolicy } from '../security-headers.ts';
import { parseInput } from '../validate-request.ts';
import { createConsoleFormat } from '../views/console-format.ts';
import type { ConsoleDeps } from './console.routes.ts';
import { presentEditionRow } from './console-overview.routes.ts';
import { actorOf, redirectDone, sendConsolePage } from './console-page.ts';

const idParams = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/i, 'an edition id') });
const digestParams = z.object({ frequency: z.enum(['daily', 'weekly']) });
const sendNowForm = z.object({ _csrf: z.string(), frequency: z.enum(FREQUENCIES), dryRun: z.literal('on').optional() });
const testForm = z.object({ _csrf: z.string(), frequency: z.enum(['daily', 'weekly']), to: z.string().email().max(254) });
const actionForm = z.object({ _csrf: z.string() });

const DONE: Record<string, string> = {
  resent: 'The failed deliveries are queued again; the worker sends them now.',
  'nothing-to-resend': 'This edition has no failed delivery to resend.',
  paused: 'The edition is paused: its queued messages wait until you resume it.',
  resumed: 'The edition is sending again.',
  'not-paused': 'The edition was not paused.',
  sent: 'The edition is made and its messages are queued.',
};

/** An id that cannot be an edition's names none: the same 404 as an unknown one. */
function editionIdOf(params: unknown): string {
  const parsed = idParams.safeParse(params);
  if (!parsed.success) throw new GazetteError('EditionNotFound', 'No edition has this id.');
  return parsed.data.id;
}

export function registerEditionRoutes(router: Router, deps: ConsoleDeps): void {
  const { views, editions } = deps;
  const fmt = createConsoleFormat(deps.config);
  const doneOf = (query: unknown): string | undefined => {
    const key = (query as { done?: unknown }).done;
    return typeof key === 'string' ? DONE[key] : undefined;
  };

  router.get('/editions', async (req, res) => {
    const reports = await editions.listReports(50);
    sendConsolePage(
      res,
      views,
      'console-editions',
      { editions: reports.map((r) => presentEditionRow(r, fmt)), frequencies: FREQUENCIES, done: doneOf(req.query) },
      { title: 'Editions', section: 'editions' },
    );
  });

  router.get('/editions/preview/:frequency', async (req, res) => {
    const { frequency } = parseInput(digestParams, req.params, 'the path');
    const preview = await editions.previewNext(frequency);
    allowOwnFrames(res);
    sendConsolePage(
      res,
      views,
      'console-preview',
      { frequency, preview: preview && { ...preview, periodStart: fmt.dateTime(preview.periodStart) }, nothing: nothingToSend(frequency) },
      { title: `Next ${frequency} digest`, section: 'editions' },
    );
  });

  // The preview's HTML alone, for the sandboxed frame of the page above.
  router.get('/editions/preview/:frequency/html', async (req, res) => {
    const { frequency } = parseInput(digestParams, req.params, 'the path');
    const preview = await editions.previewNext(frequency);
    if (!preview) throw new GazetteError('NothingToSend', nothingToSend(frequency));
    framedMailPolicy(res);
    res.type('html').send(preview.html);
  });

  router.post('/editions/send-now', async (req, res) => {
    const form = parseInput(sendNowForm, req.body, 'the form');
    const result = await editions.sendNow({ frequency: form.frequency, dryRun: form.dryRun === 'on' });
    if (result.dryRun) {
      const articles = result.articles.map((a) => ({ title: a.title, publishedAt: fmt.dateTime(a.publishedAt) }));
      sendConsolePage(
        res,
        views,
        'console-dry-run',
        { frequency: result.frequency, audience: result.audience, articles },
        {
          title: 'Dry run',
          section: 'editions',
        },
      );
      return;
    }
    if (result.editions.length === 0) throw new GazetteError('NothingToSend', nothingToSend(result.frequency));
    const made = result.editions.map((e) => e.edition.id);
    await deps.audit.record(actorOf(req, res), {
      action: 'edition.send-now',
      target: { kind: 'edition', id: made[0]! },
      after: { frequency: result.frequency, editions: made },
    });
    redirectDone(res, made.length === 1 ? `/admin/editions/${made[0]}` : '/admin/editions', 'sent');
  });

  router.post('/editions/test', async (req, res) => {
    const form = parseInput(testForm, req.body, 'the form');
    const reply = await deps.sendDigestTest(form.frequency, form.to);
    await deps.audit.record(actorOf(req, res), {
      action: 'digest.send-test',
      target: { kind: 'digest', id: form.frequency },
      after: { to: form.to, reply },
    });
    sendConsolePage(
      res,
      views,
      'console-test-sent',
      { frequency: form.frequency, to: form.to, reply },
      {
        title: 'Test sent',
        section: 'editions',
      },
    );
  });

  router.get('/editions/:id', async (req, res) => {
    const report = await editions.report(editionIdOf(req.params));
    sendConsolePage(
      res,
      views,
      'console-edition',
      {
        ...presentEditionRow(report, fmt),
        periodStart: fmt.dateTime(report.edition.periodStart),
        periodEnd: fmt.dateTime(report.edition.periodEnd),
        counts: Object.entries(report.counts).map(([status, count]) => ({ status, count })),
        articles: report.articles,
        undelivered: report.undelivered.map((u) => ({
          ...u,
          href: `/admin/subscribers/${u.subscriberId}`,
          nextAttemptAt: fmt.dateTime(u.nextAttemptAt),
        })),
        stopped: report.stopped && { ...report.stopped, pausedAt: fmt.dateTime(report.stopped.pausedAt) },
        canPause: !report.stopped && report.counts.queued + report.counts.sending > 0,
        health: report.health,
        done: doneOf(req.query),
      },
      { title: `${report.edition.frequency} edition`, section: 'editions' },
    );
  });

  router.post('/editions/:id/resend-failed', async (req, res) => {
    const id = editionIdOf(req.params);
    parseInput(actionForm, req.body, 'the form');
    const before = (await editions.report(id)).counts;
    const { requeued } = await editions.resendFailed(id);
    await deps.audit.record(actorOf(req, res), {
      action: 'edition.resend-failed',
      target: { kind: 'edition', id },
      before: { failed: before.failed },
      after: { requeued },
    });
    redirectDone(res, `/admin/editions/${id}`, requeued > 0 ? 'resent' : 'nothing-to-resend');
  });

  router.post('/editions/:id/pause', async (req, res) => {
    const id = editionIdOf(req.params);
    parseInput(actionForm, req.body, 'the form');
    const { paused } = await editions.pause(id, `console:${actorOf(req, res).email}`);
    await deps.audit.record(actorOf(req, res), { action: 'edition.pause', target: { kind: 'edition', id }, after: { paused } });
    redirectDone(res, `/admin/editions/${id}`, 'paused');
  });

  router.post('/editions/:id/resume', async (req, res) => {
    const id = editionIdOf(req.params);
    parseInput(actionForm, req.body, 'the form');
    const { resumed } = await editions.resume(id, `console:${actorOf(req, res).email}`);
    await deps.audit.record(actorOf(req, res), { action: 'edition.resume', target: { kind: 'edition', id }, after: { resumed } });
    redirectDone(res, `/admin/editions/${id}`, resumed ? 'resumed' : 'not-paused');
  });
}
