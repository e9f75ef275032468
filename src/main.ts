import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { ingestSeeds, type IngestOptions, type IngestReport } from './articles/ingest.service.ts';
import type { Config } from './config/config.schema.ts';
import { createApp } from './http/app.ts';
import { createFeedPublisher, type FeedPublisher } from './feeds/feed-publisher.service.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { createLogger, type Logger } from './shared/logger.ts';
import { createHealthService } from './store/health.service.ts';
import { openStore, type Store } from './store/open-store.ts';

/** Everything one running Gazette is made of, built in one place (the composition root). */
export interface Gazette {
  readonly config: Config;
  readonly log: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly app: Express;
  /** RSS, Atom and JSON Feed in memory; `refresh()` after anything that changes articles. */
  readonly feeds: FeedPublisher;
  /** Ingests seeds/, then refreshes the feeds (the scheduler calls the same). */
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

  const feeds = createFeedPublisher({ db: store.db, config, clock, log });

  const ingest = async (ingestOptions?: IngestOptions): Promise<IngestReport> => {
    const report = await ingestSeeds({ db: store.db, seedsDir: config.paths.seedsDir, timeZone: config.site.timezone, clock, log }, ingestOptions);
    await feeds.refresh();
    return report;
  };

  const app = createApp({ config, log, health, feeds });
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
    feeds,
    ingest,
    async start() {
      await ingest();
      server = await listen();
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
      await feeds.idle();
      await store.close();
    },
  };
}
