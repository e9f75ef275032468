import type { Router } from 'express';
import type { EditionReport } from '../../editions/editions.service.ts';
import { subscriberStats } from '../../subscribers/subscriber-admin.service.ts';
import { drawActivityChart } from '../views/console-chart.ts';
import { createConsoleFormat, type ConsoleFormat } from '../views/console-format.ts';
import type { ConsoleDeps } from './console.routes.ts';
import { sendConsolePage } from './console-page.ts';

/** GET /admin: the state of the list, the mail and the articles on one page. */
export function registerOverviewRoutes(router: Router, deps: ConsoleDeps): void {
  const fmt = createConsoleFormat(deps.config);
  router.get('/', async (_req, res) => {
    const [stats, activity, reports, queue, ingest] = await Promise.all([
      subscriberStats(deps.subscriberAdmin),
      deps.reads.activity(30),
      deps.editions.listReports(10),
      deps.reads.queue(),
      deps.reads.lastIngest(),
    ]);
    const { deliveryQueue, scheduler } = queue.status;
    sendConsolePage(
      res,
      deps.views,
      'console-overview',
      {
        byStatus: Object.entries(stats.byStatus).map(([label, count]) => ({ label, count, href: `/admin/subscribers?status=${label}` })),
        byFrequency: Object.entries(stats.byFrequency).map(([label, count]) => ({
          label,
          count,
          href: `/admin/subscribers?frequency=${label}`,
        })),
        total: stats.total,
        chart: drawActivityChart(activity),
        activity,
        editions: reports.map((r) => presentEditionRow(r, fmt)),
        queue: {
          pending: deliveryQueue.pending,
          paused: deliveryQueue.paused && { ...deliveryQueue.paused, since: fmt.dateTime(new Date(deliveryQueue.paused.since)) },
          stopped: deliveryQueue.stoppedEditions.map((s) => ({ ...s, pausedAt: fmt.dateTime(new Date(s.pausedAt)) })),
          oldest: queue.oldest && {
            kind: queue.oldest.kind,
            editionId: queue.oldest.editionId,
            queuedAt: fmt.dateTime(queue.oldest.createdAt),
            attempts: queue.oldest.attempts,
            nextAttemptAt: fmt.dateTime(queue.oldest.nextAttemptAt),
          },
        },
        schedulerEnabled: scheduler.enabled,
        jobs: scheduler.jobs.map((j) => ({
          name: j.name,
          cron: j.cron,
          running: j.running,
          lastRun: fmt.dateTime(j.lastStartedAt ? new Date(j.lastStartedAt) : null),
          result: j.lastStatus ?? 'never run',
          failed: j.lastStatus === 'failed',
          error: j.lastError,
          nextRun: fmt.dateTime(j.nextRunAt ? new Date(j.nextRunAt) : null),
        })),
        ingest: ingest.last && { ...ingest.last, at: fmt.dateTime(ingest.last.at) },
        problems: ingest.problems.slice(0, 10),
        moreProblems: Math.max(0, ingest.problems.length - 10),
      },
      { title: 'Overview', section: 'overview' },
    );
  });
}

/** One edition as a row of a table: its counts, and a state in words. */
export function presentEditionRow(r: EditionReport, fmt: ConsoleFormat) {
  const pending = r.counts.queued + r.counts.sending;
  const state = r.stopped ? 'paused' : pending > 0 ? 'sending' : r.counts.failed > 0 ? 'finished with failures' : 'finished';
  return {
    id: r.edition.id,
    href: `/admin/editions/${r.edition.id}`,
    frequency: r.edition.frequency,
    createdAt: fmt.dateTime(r.edition.createdAt),
    total: r.total,
    sent: r.counts.sent,
    failed: r.counts.failed,
    bounced: Math.max(r.counts.bounced, r.health.hardBounces),
    complaints: r.health.complaints,
    pending,
    state,
    attention: state === 'paused' || r.counts.failed > 0,
  };
}
