import type { Express } from 'express';
import { ingestSeeds, type IngestOptions, type IngestReport } from './articles/ingest.service.ts';
import { requireSeedsDirectory } from './articles/list-seed-files.ts';
import type { Config } from './config/config.schema.ts';
import { createDigestService, type DigestService } from './digest/digest.service.ts';
import { createApp } from './http/app.ts';
import { listen, type HttpServer } from './http/http-server.ts';
import { gazetteJobs } from './scheduler/gazette-jobs.ts';
import { createScheduler, type Scheduler } from './scheduler/scheduler.ts';
import { readServiceStatus } from './scheduler/service-status.ts';
import { createViewRenderer } from './http/views/view-renderer.ts';
import { createArticleReader } from './articles/article-reader.service.ts';
import { createMailService, type MailService } from './mail/mail.service.ts';
import { createFeedPublisher, type FeedPublisher } from './feeds/feed-publisher.service.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { createLinkSigner, resolveSecret, type LinkSigner } from './shared/link-signer.ts';
import { createLogger, type Logger } from './shared/logger.ts';
import { createHealthService } from './store/health.service.ts';
import { openStore, type Store } from './store/open-store.ts';
import { createOutageLog } from './store/outage-log.ts';
import { buildApiDocument } from './http/api-document.ts';
import { deleteDeliveriesOfSubscriber } from './mail/outbox.repository.ts';
import { deleteSubscriberEvents } from './subscribers/subscriber-event.repository.ts';
import type { Db } from './store/database.ts';

/** Everything one running Gazette is made of, built in one place (the composition root). */
export interface Gazette {
  readonly config: Config;
  readonly log: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly app: Express;
  /** Signs the links in mail (confirm, unsubscribe, preferences); one per process, shared by mail and subscriptions. */
  readonly signer: LinkSigner;
  /** The outbox and its delivery worker; implements MailQueue for transactional mail. */
  readonly mail: MailService;
  /** Edition previews, reports and resend-to-failed; creating editions is in digest/edition.service.ts. */
  readonly digest: DigestService;
  /** RSS, Atom and JSON Feed in memory; `refresh()` after anything that changes articles. */
  readonly feeds: FeedPublisher;
  /** Ingests seeds/, then refreshes the feeds (the scheduler calls the same). */
  ingest(options?: IngestOptions): Promise<IngestReport>;
  /** The scheduled jobs (scan, embargo, instant, daily, weekly); runs them only once started. */
  readonly scheduler: Scheduler;
  /** Ingests seeds/ once, starts HTTP, the delivery worker and (when enabled) the scheduler, catching up on missed editions. */
  start(): Promise<void>;
  /** Where HTTP listens, as a URL (after start). */
  address(): string;
  /** Graceful stop within `server.shutdownTimeoutMs`: no new requests or jobs, SMTP in flight finishes, rows stay consistent. */
  close(): Promise<void>;
}

export interface GazetteOptions {
  log?: Logger;
  clock?: Clock;
}

export async function createGazette(config: Config, options: GazetteOptions = {}): Promise<Gazette> {
  const log = options.log ?? createLogger({ level: config.log.level });
  const clock = options.clock ?? systemClock;
  const store = await openStore({ url: config.database.url, dataDir: config.paths.dataDir });
  // The probe runs on requests only, after `scheduler` below exists.
  const health = createHealthService({ db: store.db, dialect: store.dialect, probes: [() => readServiceStatus(store.db, config, clock.now(), scheduler.instanceRecords())] });
  const signer = createLinkSigner(resolveSecret(config.secret, config.paths.dataDir));
  // mail renders editions through digest, and digest renders with mail's templates: the
  // late-bound reference breaks the cycle without either module importing the other's instance.
  let digest: DigestService | undefined;
  // One for the process: a database outage is one log line as it starts and one as it ends, whichever background pass sees it.
  const outages = createOutageLog(log, clock);
  const mail = createMailService({ db: store.db, config, log, clock, signer, outages, renderEdition: (id) => digest!.renderEditionMail(id) });
  digest = createDigestService({ db: store.db, config, clock, templates: mail.templates });

  const feeds = createFeedPublisher({ db: store.db, config, clock, log });

  const views = createViewRenderer({ config, templatesDir: config.paths.templatesDir });
  const articles = createArticleReader({ db: store.db, clock });
  // "Delete my data" and the admin delete also remove the subscriber's rows in the outbox and their bounce/restore events.
  const forgetSubscriber = async (db: Db, subscriberId: string): Promise<void> => {
    await deleteDeliveriesOfSubscriber(db, subscriberId);
    await deleteSubscriberEvents(db, subscriberId);
  };
  const subscriptions = { db: store.db, clock, config, signer, mailQueue: mail, forgetSubscriber };
  const subscriberAdmin = { db: store.db, clock, forgetSubscriber };
  const openApiDocument = buildApiDocument(config);
  const ingest = async (ingestOptions?: IngestOptions): Promise<IngestReport> => {
    const report = await ingestSeeds({ db: store.db, seedsDir: config.paths.seedsDir, timeZone: config.site.timezone, clock, log }, ingestOptions);
    await feeds.refresh();
    return report;
  };

  const app = createApp({ config, log, health, digest, bounces: mail, views, articles, subscriptions, subscriberAdmin, openApiDocument, feeds });
  const scheduler = createScheduler({
    db: store.db,
    clock,
    log,
    timeZone: config.site.timezone,
    outages,
    jobs: gazetteJobs({ db: store.db, config, ingest, refreshPublished: () => feeds.refresh(), kickDelivery: () => mail.kick() }),
  });
  let server: HttpServer | undefined;

  return {
    config,
    log,
    clock,
    store,
    app,
    signer,
    mail,
    digest,
    feeds,
    scheduler,
    ingest,
    async start() {
      requireSeedsDirectory(config.paths.seedsDir);
      // With the scheduler on, the first scan runs under the scan job's lease: instances started
      // together must not ingest the same new files at once. An instance that finds the lease
      // taken renders its feeds from what the store holds.
      if (!config.scheduler.enabled) await ingest();
      else if ((await scheduler.runNow('scan', { atStart: true })) !== 'ran') await feeds.refresh();
      server = await listen(app, config.server.port, config.server.host);
      mail.worker.start();
      log.info({ transport: mail.transport.description }, `mail goes to ${mail.transport.description}`);
      if (!config.scheduler.enabled) return;
      scheduler.start();
      // Editions due while the service was down are sent now, once, not at the next minute tick.
      // (The start-up scan has already queued instant mail and, on a first start, marked the
      // articles present as not news.)
      for (const job of ['daily', 'weekly']) void scheduler.runInBackground(job);
    },
    address() {
      if (!server) throw new Error('Gazette is not listening');
      return server.url;
    },
    async close() {
      const deadline = new Date(Date.now() + config.server.shutdownTimeoutMs);
      const httpClosed = server?.close(deadline);
      // Stopped together with the jobs, not after them: rows not yet handed to SMTP are released
      // at once; SMTP transactions in flight may finish until shortly before the deadline (a
      // silent server would hold them for minutes), then they are ended and their rows released:
      // none stays claimed when the store closes.
      const mailClosed = mail.close(new Date(deadline.getTime() - Math.min(2000, config.server.shutdownTimeoutMs / 4)));
      await scheduler.stop(Math.max(0, deadline.getTime() - Date.now()));
      await mailClosed;
      await httpClosed;
      await feeds.idle();
      await store.close();
    },
  };
}
