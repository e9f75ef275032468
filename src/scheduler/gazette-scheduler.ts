import type { Core } from '../core/create-core.ts';
import { createBounceMailbox } from '../list-health/bounce-mailbox.ts';
import { handleBounceMail } from '../list-health/handle-bounce-mail.ts';
import { purgeUnconfirmed } from '../subscribers/purge-unconfirmed.service.ts';
import { gazetteJobs } from './gazette-jobs.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';

/** The scheduler `gazette serve` runs over the core's services (not ticking until started). */
export function createGazetteScheduler(core: Core): Scheduler {
  const imap = core.config.bounces.imap;
  // Read by the leased `bounces` job: one instance at a time drains the mailbox.
  const mailbox =
    imap &&
    createBounceMailbox({
      config: imap,
      log: core.log,
      handle: (raw) =>
        handleBounceMail(
          {
            parse: (raw, source, parsed) => core.parseReportMail(raw, source, { parsed }),
            reports: core.reports,
            selfService: core.subscriptions,
            log: core.log,
          },
          raw,
        ),
    });
  return createScheduler({
    db: core.store.db,
    clock: core.clock,
    log: core.log,
    timeZone: core.config.site.timezone,
    outages: core.outages,
    metrics: core.metrics,
    jobs: gazetteJobs({
      config: core.config,
      ingest: (options) => core.ingest.run(options),
      refreshPublished: () => core.feeds.refresh(),
      editions: core.editions,
      purgeUnconfirmed: (now) => purgeUnconfirmed(core.subscriptions, now),
      ...(mailbox ? { pollBounceMailbox: () => mailbox.pollOnce() } : {}),
    }),
  });
}

/**
 * Starts the ticking, then sends the editions that came due while the service was down, once,
 * now rather than at the next minute tick. (The start-up scan has already queued instant mail
 * and, on a first start, marked the articles present as not news.)
 */
export function startScheduler(scheduler: Scheduler): void {
  scheduler.start();
  for (const job of ['daily', 'weekly']) void scheduler.runInBackground(job);
}
