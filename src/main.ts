import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { ingestSeeds, type IngestOptions, type IngestReport } from './articles/ingest.service.ts';
import type { Config } from './config/config.schema.ts';
import { createDigestService, type DigestService } from './digest/digest.service.ts';
import { createApp } from './http/app.ts';
import { createViewRenderer } from './http/views/view-renderer.ts';
import { createArticleReader } from './articles/article-reader.service.ts';
import { createMailService, type MailService } from './mail/mail.service.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { createLinkSigner, resolveSecret, type LinkSigner } from './shared/link-signer.ts';
import { createLogger, type Logger } from './shared/logger.ts';
import { createHealthService } from './store/health.service.ts';
import { openStore, type Store } from './store/open-store.ts';
import { buildApiDocument } from './http/api-document.ts';
import { deleteDeliveriesOfSubscriber } from './mail/outbox.repository.ts';

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
  ingest(options?: IngestOptions): Promise<IngestReport>;
  /** Ingests seeds/ once, then starts HTTP (and the scheduler when enabled). */
  start(): Promise<void>;
  /** Where HTTP listens, as a URL (after start). */
  address(): string;
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
  const health = createHealthService({ db: store.db, dialect: store.dialect });
  const signer = createLinkSigner(resolveSecret(config.secret, config.paths.dataDir));
  // mail renders editions through digest, and digest renders with mail's templates: the
  // late-bound reference breaks the cycle without either module importing the other's instance.
  let digest: DigestService | undefined;
  const mail = createMailService({ db: store.db, config, log, clock, signer, renderEdition: (id) => digest!.renderEditionMail(id) });
  digest = createDigestService({ db: store.db, config, clock, templates: mail.templates });

  const ingest = (ingestOptions?: IngestOptions): Promise<IngestReport> =>
    ingestSeeds({ db: store.db, seedsDir: config.paths.seedsDir, timeZone: config.site.timezone, clock, log }, ingestOptions);

  const views = createViewRenderer({ config, templatesDir: config.paths.templatesDir });
  const articles = createArticleReader({ db: store.db, clock });
  // "Delete my data" and the admin delete also remove the subscriber's rows in the outbox.
  const forgetSubscriber = deleteDeliveriesOfSubscriber;
  const subscriptions = { db: store.db, clock, config, signer, mailQueue: mail, forgetSubscriber };
  const subscriberAdmin = { db: store.db, clock, forgetSubscriber };
  const openApiDocument = buildApiDocument(config);
  const app = createApp({ config, log, health, digest, views, articles, subscriptions, subscriberAdmin, openApiDocument });
  let server: Server | undefined;

  const listen = (): Promise<Server> =>
    new Promise((resolve, reject) => {
      const s = app.listen(config.server.port, config.server.host);
      s.once('listening', () => resolve(s));
      s.once('error', (error: NodeJS.ErrnoException) => {
        reject(error.code === 'EADDRINUSE' ? new Error(`Port ${config.server.port} on ${config.server.host} is already in use: stop the other process or set server.port (GAZETTE_PORT).`) : error);
      });
    });

  return {
    config,
    log,
    clock,
    store,
    app,
    signer,
    mail,
    digest,
    ingest,
    async start() {
      await ingest();
      server = await listen();
      mail.worker.start();
      log.info({ transport: mail.transport.description }, `mail goes to ${mail.transport.description}`);
    },
    address() {
      const a = server?.address() as AddressInfo | null | undefined;
      if (!a) throw new Error('Gazette is not listening');
      return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    },
    async close() {
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeAllConnections();
      }
      // Lets SMTP transactions in flight finish and records them before the store closes.
      await mail.close();
      await store.close();
    },
  };
}
