import { createArticleReader, type ArticleReader } from '../articles/article-reader.service.ts';
import { readLastIngest, type LastIngest } from '../articles/ingest-record.ts';
import { ingestSeeds, type IngestOptions, type IngestReport } from '../articles/ingest.service.ts';
import type { Config } from '../config/config.schema.ts';
import { secretValuesOf } from '../config/secret-values.ts';
import { createReportSink } from '../list-health/apply-report.service.ts';
import type { ReportSink, DeliveryReport } from '../list-health/delivery-report.ts';
import { parseReportMail, type ParseReportOptions } from '../list-health/parse-report-mail.ts';
import { verpOf } from '../mail/message-composer.ts';
import { createDeliveryTags } from '../mail/verp.ts';
import { addressOf } from '../mail/mime-template.ts';
import { createEditionService, nothingToSend, samplePersonalValues, type EditionService } from '../editions/editions.service.ts';
import { GazetteError } from '../shared/errors.ts';
import type { DigestFrequency } from '../shared/frequency.ts';
import { createFeedPublisher, type FeedPublisher } from '../feeds/feed-publisher.service.ts';
import { createMailService, type MailService } from '../mail/mail.service.ts';
import { createMailTemplates } from '../mail/mail-templates.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { createLinkSigner, resolveSecret, type LinkSigner } from '../shared/link-signer.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import type { Db } from '../store/database.ts';
import { noMetrics, type Metrics } from '../metrics/metrics.ts';
import { readStoreGauges } from './store-gauges.ts';
import { openStore, type Store } from '../store/open-store.ts';
import { createOutageLog, type OutageLog } from '../store/outage-log.ts';
import type { SelfServiceDeps } from '../subscribers/self-service.service.ts';
import type { SubscriberAdminDeps } from '../subscribers/subscriber-admin.service.ts';
import { forgetSubscriber } from '../subscribers/forget-subscriber.ts';
import { forgetReportsOfSubscriber } from '../list-health/delivery-report.repository.ts';
import { loadTransactionalContent, personalValuesOf, renderTransactional } from '../subscribers/subscriber-mail.ts';
import type { SubscriptionDeps } from '../subscribers/subscription.service.ts';
import { subscriberSuppression, type SuppressSubscriber } from '../subscribers/suppression.service.ts';
import type { SignupGuardDeps } from '../subscribers/signup-guard.ts';
import { createDeliveryContext } from './delivery-context.ts';
import type { AdminUserDeps } from '../admin/admin-user.service.ts';
import { redactAuditOfTarget } from '../admin/audit-log.repository.ts';
import { createAuditLog, type AuditLog } from '../admin/audit-log.service.ts';
import type { ConsoleSessionDeps } from '../admin/admin-session.service.ts';

/**
 * Gazette without its server and its scheduler: the store, the services and the delivery worker
 * (not started). Every way in (HTTP routes, the CLI, the scheduler's jobs) calls these same
 * services; `gazette serve` adds the server and the scheduler around it (src/main.ts).
 */
export interface Core {
  readonly config: Config;
  readonly log: Logger;
  readonly clock: Clock;
  /** What the services report to metrics (noMetrics unless the composition root passed real ones). */
  readonly metrics: Metrics;
  readonly store: Store;
  /** Signs the links in mail (confirm, unsubscribe, preferences); one per process. */
  readonly signer: LinkSigner;
  /** Reads seeds/ into articles, then refreshes the feeds (the scan job and `gazette ingest` call it). */
  readonly ingest: IngestService;
  readonly articles: ArticleReader;
  /** RSS, Atom and JSON Feed in memory; `refresh()` after anything that changes articles. */
  readonly feeds: FeedPublisher;
  /** Making, sending, reporting and repairing editions. */
  readonly editions: EditionService;
  /** The outbox and its delivery worker (started by `gazette serve`). */
  readonly mail: MailService;
  /** Subscribe, confirm, preferences, unsubscribe, "my data" (the public routes). */
  readonly subscriptions: SubscriptionDeps & SelfServiceDeps;
  /** Tells people from bots on the sign-up forms: honeypot, form stamps, proof of work, disposable domains. */
  readonly signupGuard: SignupGuardDeps;
  /** The operator's list: search, change, delete, import, export, stats. */
  readonly subscriberAdmin: SubscriberAdminDeps;
  /** The console's accounts (`gazette admin add-user` and friends). */
  readonly adminUsers: AdminUserDeps;
  /** Console sign-in and sessions, in the store (admin/admin-session.service.ts). */
  readonly consoleSessions: ConsoleSessionDeps;
  /** Every change an operator makes from the console (admin_audit_log). */
  readonly audit: AuditLog;
  /** One for the process: a database outage is one log line as it starts and one as it ends, whichever background pass sees it. */
  readonly outages: OutageLog;
  /**
   * Puts a stored subscriber's address on the suppression list, in the caller's transaction
   * (a complaint, a delete): `suppressSubscriber(tx, subscriberId, reason, source)`.
   */
  readonly suppressSubscriber: SuppressSubscriber;
  /** One sample message (the welcome mail) straight through the transport: `gazette mail test`. */
  sendTestMessage(to: string): Promise<string>;
  /** The next digest of a frequency, as a test, to one address straight through the transport (the console's "send a test"). */
  sendDigestTest(frequency: DigestFrequency, to: string): Promise<string>;
  /** Applies bounce, complaint and delivered reports from any source to the list, each once (list-health/). */
  readonly reports: ReportSink;
  /** Reads one mail of the bounce mailbox into reports, trusting only this site's signed VERP addresses. */
  parseReportMail(
    raw: Buffer,
    source: string,
    options?: Pick<ParseReportOptions, 'envelopeRecipient' | 'parsed'>,
  ): Promise<DeliveryReport[]>;
  /** Stops the worker (SMTP in flight may finish until `abortSendsAt`), waits for feed renders, closes the store. */
  close(abortSendsAt?: Date): Promise<void>;
}

export interface IngestService {
  run(options?: IngestOptions): Promise<IngestReport>;
  /** The last ingest's record (when, how long, how many files and problems), from any process. */
  lastRun(): Promise<LastIngest | undefined>;
}

export interface CoreOptions {
  log?: Logger;
  clock?: Clock;
  /** Where the services report metrics; built by `gazette serve` when metrics.listen is set. */
  metrics?: Metrics;
}

export async function createCore(config: Config, options: CoreOptions = {}): Promise<Core> {
  const log = options.log ?? createLogger({ level: config.log.level, secrets: secretValuesOf(config) });
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? noMetrics;
  const store = await openStore({
    url: config.database.url,
    dataDir: config.paths.dataDir,
    migrate: config.database.migrateOnStart ? 'latest' : 'refuse-pending',
  });
  const { db } = store;
  metrics.readStoreGaugesWith(() => readStoreGauges(db));
  const signer = createLinkSigner(resolveSecret(config.secret, config.paths.dataDir));
  const outages = createOutageLog(log, clock);
  const suppressSubscriber = subscriberSuppression({ clock, signer });
  // Deleting a subscriber's data also empties their delivery reports (diagnostics quote the address)
  // and blanks what the console's audit log quoted of them.
  const forget = async (tx: Db, subscriberId: string): Promise<void> => {
    await forgetSubscriber(tx, subscriberId);
    await forgetReportsOfSubscriber(tx, subscriberId);
    await redactAuditOfTarget(tx, 'subscriber', subscriberId);
  };
  const templates = createMailTemplates(config.paths.templatesDir);
  const feeds = createFeedPublisher({ db, config, clock, log, metrics });
  // The outbox asks subscribers and editions through its context; making an edition wakes it.
  const outbox = createMailService({
    db,
    config,
    log,
    clock,
    outages,
    signer,
    metrics,
    context: createDeliveryContext({ db, config, clock, log, signer, templates }),
  });
  const editions = createEditionService({ db, config, clock, log, templates, kickDelivery: () => outbox.kick(), metrics });
  const verp = verpOf(config, addressOf(config.mail.from), signer);
  const tags = createDeliveryTags(signer);

  return {
    config,
    log,
    clock,
    metrics,
    store,
    signer,
    outages,
    feeds,
    editions,
    mail: outbox,
    articles: createArticleReader({ db, clock }),
    suppressSubscriber,
    subscriptions: { db, clock, config, signer, mailQueue: outbox, forgetSubscriber: forget, suppressSubscriber },
    subscriberAdmin: { db, clock, forgetSubscriber: forget, signer, suppressSubscriber },
    signupGuard: { db, clock, config, signer, log },
    adminUsers: { db, clock },
    consoleSessions: { db, clock, log, idleMinutes: config.admin.sessionIdleMinutes, maxHours: config.admin.sessionMaxHours },
    audit: createAuditLog({ db, clock }),
    ingest: {
      async run(ingestOptions) {
        const report = await ingestSeeds(
          { db, seedsDir: config.paths.seedsDir, timeZone: config.site.timezone, clock, log },
          ingestOptions,
        );
        metrics.observeIngest(report.durationMs / 1000, report.problems.length);
        await feeds.refresh();
        return report;
      },
      lastRun: () => readLastIngest(db),
    },
    async sendTestMessage(to) {
      const content = await loadTransactionalContent(db, clock.now(), 'welcome', config.subscriptions.defaultFrequency);
      const welcome = await renderTransactional(templates, config, content);
      return outbox.sendTestMessage(to, welcome, personalValuesOf(config, signer, { id: 'test', name: null }, {}));
    },
    async sendDigestTest(frequency, to) {
      const mail = await editions.renderNext(frequency);
      if (!mail) throw new GazetteError('NothingToSend', nothingToSend(frequency));
      return outbox.sendTestMessage(to, mail, samplePersonalValues(config), { subject: 'keep' });
    },
    reports: createReportSink({
      db,
      config,
      clock,
      log,
      // A complaint also puts the address on the suppression list: never mailed again, even on re-import.
      onComplaint: (subscriberId) =>
        db.transaction().execute((tx) => suppressSubscriber(tx, subscriberId, 'complaint', 'complaint report').then(() => undefined)),
    }),
    parseReportMail: (raw, source, options) =>
      parseReportMail(raw, source, { ...options, readVerpAddress: verp?.readVerpAddress, readDeliveryTag: (tag) => tags.readTag(tag) }),
    async close(abortSendsAt) {
      await outbox.close(abortSendsAt);
      await feeds.idle();
      await store.close();
    },
  };
}
