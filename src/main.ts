import { requireSeedsDirectory } from './articles/list-seed-files.ts';
import type { Config } from './config/config.schema.ts';
import { createCore, type Core, type CoreOptions } from './core/create-core.ts';
import { createServer, type Server } from './http/server.ts';
import { createReadiness, type Readiness } from './core/readiness.ts';
import { createPrometheusMetrics } from './metrics/prometheus-metrics.ts';
import { systemClock } from './shared/clock.ts';
import { createGazetteScheduler, startScheduler } from './scheduler/gazette-scheduler.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import { readServiceStatus } from './scheduler/service-status.ts';

/**
 * A running Gazette, as `gazette serve` runs it: the core (store, services, delivery worker),
 * the HTTP server over it and the scheduler. The one composition root of the service; CLI
 * commands that do one thing build only the core (src/core/create-core.ts).
 */
export interface Gazette {
  readonly core: Core;
  readonly server: Server;
  /** The scheduled jobs (scan, embargo, instant, daily, weekly, feeds); runs them only once started. */
  readonly scheduler: Scheduler;
  /** What /readyz reports: ready once the first ingest is done, not ready from the moment close() begins. */
  readonly readiness: Readiness;
  /** Ingests seeds/ once, starts HTTP, the delivery worker and (when enabled) the scheduler, catching up on missed editions. */
  start(): Promise<void>;
  /** Where HTTP listens, as a URL (after start). */
  address(): string;
  /** Graceful stop within `server.shutdownTimeoutMs`: no new requests or jobs, SMTP in flight finishes, rows stay consistent. */
  close(): Promise<void>;
}

export type GazetteOptions = CoreOptions;

export async function createGazette(config: Config, options: GazetteOptions = {}): Promise<Gazette> {
  // One Prometheus registry for the process, only when metrics have a listener (metrics.listen).
  const clockNow = (): Date => (options.clock ?? systemClock).now();
  const metrics = config.metrics.listen
    ? createPrometheusMetrics({ refreshSeconds: config.metrics.refreshSeconds, now: clockNow })
    : undefined;
  const core = await createCore(config, { ...options, ...(metrics ? { metrics } : {}) });
  const { log, clock, store } = core;
  const scheduler = createGazetteScheduler(core);
  const serviceStatus = () => readServiceStatus(store.db, config, clock.now(), scheduler.instanceRecords());
  const readiness = createReadiness(store.db);
  const server = createServer(core, {
    healthProbes: [serviceStatus],
    serviceStatus,
    readiness,
    ...(metrics ? { metrics } : {}),
  });
  let listening = false;

  return {
    core,
    server,
    scheduler,
    readiness,
    async start() {
      requireSeedsDirectory(config.paths.seedsDir);
      // Listening first: /livez answers during a long first ingest, and /readyz says 503 until it is done.
      await server.listen();
      listening = true;
      const metricsAddress = server.metricsAddress();
      if (metricsAddress) log.info({ metricsAddress }, `metrics served at ${metricsAddress}/metrics`);
      // With the scheduler on, the first scan runs under the scan job's lease: instances started
      // together must not ingest the same new files at once. An instance that finds the lease
      // taken renders its feeds from what the store holds.
      if (!config.scheduler.enabled) await core.ingest.run();
      else if ((await scheduler.runNow('scan', { atStart: true })) !== 'ran') await core.feeds.refresh();
      readiness.markIngested();
      core.mail.worker.start();
      log.info({ transport: core.mail.transport.description }, `mail goes to ${core.mail.transport.description}`);
      // Advertised in List-Unsubscribe: the bounce mailbox reader applies those mails when they
      // arrive there (bounces.imap); without it nothing reads them (see the README).
      if (config.mail.unsubscribeMailto && config.bounces.imap)
        log.info(
          { unsubscribeMailto: config.mail.unsubscribeMailto },
          `unsubscribe requests mailed to ${config.mail.unsubscribeMailto} are applied when they reach the bounce mailbox (bounces.imap)`,
        );
      else if (config.mail.unsubscribeMailto)
        log.warn(
          { unsubscribeMailto: config.mail.unsubscribeMailto },
          `nothing reads this mailbox yet: unsubscribe requests mailed to ${config.mail.unsubscribeMailto} must be processed by the operator`,
        );
      if (config.scheduler.enabled) startScheduler(scheduler);
    },
    address: () => server.address(),
    async close() {
      // Not ready from now on; the listener stays open server.drainDelayMs more (a load balancer
      // polling /readyz takes the instance out meanwhile), then drains.
      readiness.markStopping();
      // Wall-clock time: these bound real timers, whatever clock the services read.
      const deadline = new Date(Date.now() + config.server.shutdownTimeoutMs);
      const drainDelayMs = Math.min(config.server.drainDelayMs, config.server.shutdownTimeoutMs / 2);
      const httpClosed = listening
        ? new Promise((resolve) => setTimeout(resolve, drainDelayMs)).then(() => server.close(deadline))
        : Promise.resolve();
      // Stopped together with the jobs, not after them: rows not yet handed to SMTP are released
      // at once; SMTP transactions in flight may finish until shortly before the deadline (a
      // silent server would hold them for minutes), then they are ended and their rows released:
      // none stays claimed when the store closes.
      const mailClosed = core.mail.close(new Date(deadline.getTime() - Math.min(2000, config.server.shutdownTimeoutMs / 4)));
      await scheduler.stop(Math.max(0, deadline.getTime() - Date.now()));
      await mailClosed;
      await httpClosed;
      await core.close();
    },
  };
}
