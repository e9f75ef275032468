import type { Express } from 'express';
import { describeLastIngest } from '../articles/ingest-record.ts';
import type { Core } from '../core/create-core.ts';
import { describeEditionSummary } from '../editions/editions.service.ts';
import { createHealthService, type HealthProbe } from '../store/health.service.ts';
import { buildApiDocument } from './api-document.ts';
import { createApp } from './app.ts';
import { listen, type HttpServer } from './http-server.ts';
import { createViewRenderer } from './views/view-renderer.ts';
import type { ReportSink } from '../list-health/delivery-report.ts';
import { createConsoleReads } from '../admin/console-reads.service.ts';
import { readServiceStatus, type ServiceStatus } from '../scheduler/service-status.ts';

/** How many of the latest editions /healthz reports on (deliveries, bounces, complaints). */
const HEALTH_EDITIONS = 5;
import { createReadiness, type Readiness } from '../core/readiness.ts';
import type { MetricsExposition } from '../metrics/metrics.ts';
import { createMetricsListener, type MetricsListener } from './metrics-listener.ts';

/** The HTTP side of a running Gazette: the Express app over the core's services, and its listener. */
export interface Server {
  readonly app: Express;
  /** Listens on `server.port`/`server.host`; resolves with the address as a URL. */
  listen(): Promise<string>;
  /** Where it listens, as a URL (after listen). */
  address(): string;
  /** Where `GET /metrics` is served, as a URL (after listen); undefined when metrics are off. */
  metricsAddress(): string | undefined;
  /** Stops taking requests; requests in flight may finish until `deadline`. */
  close(deadline: Date): Promise<void>;
}

export interface ServerOptions {
  /** Extra /healthz sections (the scheduler's jobs and the delivery queue), read on each request. */
  healthProbes?: HealthProbe[];
  /** Where provider webhooks hand their bounce and complaint reports; the webhook routes exist only with it. */
  reports?: ReportSink;
  /** The scheduler's jobs and the queue for the console's overview; default: read from the store alone (no per-instance jobs). */
  serviceStatus?: () => Promise<ServiceStatus>;
  /** What /readyz answers; the composition root marks the first ingest and the shutdown on it. Default: one nobody marks (never ready). */
  readiness?: Readiness;
  /** The exposition served on `metrics.listen` (when set). */
  metrics?: MetricsExposition;
}

export function createServer(core: Core, options: ServerOptions = {}): Server {
  const { config } = core;
  const views = createViewRenderer({ config, templatesDir: config.paths.templatesDir });
  const app = createApp({
    config,
    log: core.log,
    health: createHealthService({
      db: core.store.db,
      dialect: core.store.dialect,
      probes: [
        async () => ({ ingest: describeLastIngest(await core.ingest.lastRun()) }),
        // The editions being sent or just sent, with their bounces and complaints; a few, so the probe stays cheap.
        async () => ({ editions: (await core.editions.listSummaries(HEALTH_EDITIONS)).map(describeEditionSummary) }),
        ...(options.healthProbes ?? []),
      ],
    }),
    editions: core.editions,
    views,
    articles: core.articles,
    subscriptions: core.subscriptions,
    subscriberAdmin: core.subscriberAdmin,
    openApiDocument: buildApiDocument(config),
    feeds: core.feeds,
    reports: options.reports ?? core.reports,
    signupGuard: core.signupGuard,
    console: {
      config,
      log: core.log,
      views,
      sessions: core.consoleSessions,
      audit: core.audit,
      editions: core.editions,
      subscriberAdmin: core.subscriberAdmin,
      reads: createConsoleReads({
        db: core.store.db,
        clock: core.clock,
        serviceStatus: options.serviceStatus ?? (() => readServiceStatus(core.store.db, config, core.clock.now())),
      }),
      rescan: () => core.ingest.run(),
      sendDigestTest: (frequency, to) => core.sendDigestTest(frequency, to),
    },
    readiness: options.readiness ?? createReadiness(core.store.db),
    metrics: core.metrics,
  });
  const metricsListener: MetricsListener | undefined =
    options.metrics && config.metrics.listen
      ? createMetricsListener({ exposition: options.metrics, listen: config.metrics.listen, token: config.metrics.token, log: core.log })
      : undefined;
  let server: HttpServer | undefined;
  return {
    app,
    async listen() {
      server = await listen(app, config.server.port, config.server.host);
      try {
        await metricsListener?.listen();
      } catch (error) {
        await server.close(new Date());
        throw error;
      }
      return server.url;
    },
    address() {
      if (!server) throw new Error('Gazette is not listening');
      return server.url;
    },
    metricsAddress: () => metricsListener?.address(),
    async close(deadline) {
      await Promise.all([server?.close(deadline), metricsListener?.close(deadline)]);
    },
  };
}
