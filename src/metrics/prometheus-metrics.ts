import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, MetricsExposition, StoreGauges } from './metrics.ts';

export interface PrometheusMetricsOptions {
  /** The store gauges are read again on a scrape at most this often (seconds). */
  refreshSeconds: number;
  /** The services' clock, for the age of the oldest waiting row (whose time the store holds in that clock). */
  now?: () => Date;
}

/** Bucket bounds (seconds) for things that take milliseconds to a minute: an SMTP answer, a send, a request. */
const SHORT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** An ingest reads every seed file: seconds to minutes on a large site. */
const INGEST_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * The Prometheus side of `Metrics`, on a registry of its own (not prom-client's global one: a
 * test process runs several Gazettes). Counters and histograms are updated as things happen;
 * the gauges read from the store are refreshed lazily on a scrape, at most every
 * `refreshSeconds`, from one snapshot shared by the three of them.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): Metrics & MetricsExposition {
  const now = options.now ?? (() => new Date());
  const registry = new Registry();
  const registers = [registry];
  // Process metrics (CPU, memory, heap, event loop lag, GC, handles). prom-client offers no way to
  // stop its event-loop monitor and GC observer: one such registry per process, built by serve.
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters (prometheus/client_js#283, open): `promtool check metrics` flags
  // them. Each is the sum of its per-type gauge, which stays (sum(nodejs_active_handles)).
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name);

  const deliveries = new Counter({
    name: 'gazette_deliveries_total',
    help: 'Deliveries that left a pass of the delivery worker, by outcome and SMTP reply class',
    labelNames: ['outcome', 'reply_class'],
    registers,
  });
  const sendDuration = new Histogram({
    name: 'gazette_delivery_send_duration_seconds',
    help: 'Time to build, send and record one delivery handed to SMTP',
    buckets: SHORT_BUCKETS,
    registers,
  });
  const smtpRoundTrip = new Histogram({
    name: 'gazette_smtp_round_trip_seconds',
    help: 'Time the SMTP server (or the file transport) took to take one message',
    buckets: SHORT_BUCKETS,
    registers,
  });
  const editions = new Counter({
    name: 'gazette_editions_made_total',
    help: 'Editions made (their delivery rows queued), by frequency',
    labelNames: ['frequency'],
    registers,
  });
  const ingestDuration = new Histogram({
    name: 'gazette_ingest_duration_seconds',
    help: 'Duration of one ingest of the seeds directory',
    buckets: INGEST_BUCKETS,
    registers,
  });
  const ingestProblems = new Counter({
    name: 'gazette_ingest_problems_total',
    help: 'Problems found by ingests (summed over runs)',
    registers,
  });
  const ingestLastProblems = new Gauge({ name: 'gazette_ingest_last_problems', help: 'Problems found by the last ingest', registers });
  const jobLastSuccess = new Gauge({
    name: 'gazette_job_last_success_timestamp_seconds',
    help: 'When each scheduled job last finished without error (Unix time), on this instance',
    labelNames: ['job_name'],
    registers,
  });
  const jobFailures = new Counter({
    name: 'gazette_job_failures_total',
    help: 'Runs of each scheduled job that failed, on this instance',
    labelNames: ['job_name'],
    registers,
  });
  const httpRequests = new Counter({
    name: 'gazette_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const httpDuration = new Histogram({
    name: 'gazette_http_request_duration_seconds',
    help: 'HTTP request duration, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: SHORT_BUCKETS,
    registers,
  });
  const feedRenders = new Counter({
    name: 'gazette_feed_renders_total',
    help: 'Feed documents rendered again because their bytes changed, by format',
    labelNames: ['format'],
    registers,
  });
  const feedBytes = new Gauge({
    name: 'gazette_feed_document_bytes',
    help: 'Size of the current subscription document, by format (uncompressed)',
    labelNames: ['format'],
    registers,
  });
  const feedRenderedBytes = new Counter({
    name: 'gazette_feed_rendered_bytes_total',
    help: 'Bytes of feed documents rendered, by format (uncompressed)',
    labelNames: ['format'],
    registers,
  });

  const snapshot = createSnapshot(registry, options.refreshSeconds);
  new Gauge({
    name: 'gazette_outbox_deliveries',
    help: 'Delivery rows in the outbox, by state (read from the store, cached for metrics.refreshSeconds)',
    labelNames: ['state'],
    registers,
    async collect() {
      const gauges = await snapshot.read();
      if (gauges) for (const [state, count] of Object.entries(gauges.deliveriesByStatus)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'gazette_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest delivery row with work left (queued, retrying or being sent); 0 when none',
    registers,
    async collect() {
      const gauges = await snapshot.read();
      if (!gauges) return;
      const oldest = gauges.oldestPendingAt;
      this.set(oldest ? Math.max(0, (now().getTime() - oldest.getTime()) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'gazette_subscribers',
    help: 'Subscribers by status and frequency (read from the store, cached for metrics.refreshSeconds)',
    labelNames: ['status', 'frequency'],
    registers,
    async collect() {
      const gauges = await snapshot.read();
      if (gauges) for (const { status, frequency, count } of gauges.subscribers) this.set({ status, frequency }, count);
    },
  });

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    countDelivery: (outcome, replyClass) => deliveries.inc({ outcome, reply_class: replyClass }),
    observeSend: (seconds) => sendDuration.observe(seconds),
    observeSmtpRoundTrip: (seconds) => smtpRoundTrip.observe(seconds),
    countEditions: (frequency, count) => editions.inc({ frequency }, count),
    observeIngest(seconds, problems) {
      ingestDuration.observe(seconds);
      ingestProblems.inc(problems);
      ingestLastProblems.set(problems);
    },
    recordJob(job, ok, finishedAt) {
      // Labelled job_name, not job: Prometheus gives every scraped series its own job label.
      if (ok) jobLastSuccess.set({ job_name: job }, finishedAt.getTime() / 1000);
      else jobFailures.inc({ job_name: job });
    },
    observeHttp(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },
    countFeedRender(format, bytes) {
      feedRenders.inc({ format });
      feedRenderedBytes.inc({ format }, bytes);
      feedBytes.set({ format }, bytes);
    },
    readStoreGaugesWith: (read) => snapshot.use(read),
  };
}

/**
 * The store gauges, read at most every `refreshSeconds` whatever the number of scrapers; a read
 * that fails keeps the last values and is counted (a scrape never fails for it).
 */
function createSnapshot(registry: Registry, refreshSeconds: number) {
  const errors = new Counter({
    name: 'gazette_store_gauges_errors_total',
    help: 'Failed reads of the store gauges (the last values are kept)',
    registers: [registry],
  });
  const refreshed = new Gauge({
    name: 'gazette_store_gauges_refreshed_timestamp_seconds',
    help: 'When the store gauges were last read from the store (Unix time)',
    registers: [registry],
  });
  let reader: (() => Promise<StoreGauges>) | undefined;
  let last: StoreGauges | undefined;
  let readAt = 0;
  let inFlight: Promise<StoreGauges | undefined> | undefined;
  return {
    use(read: () => Promise<StoreGauges>): void {
      reader = read;
    },
    read(): Promise<StoreGauges | undefined> {
      if (!reader) return Promise.resolve(undefined);
      // Wall-clock time: this bounds the load on the store, whatever clock the services read.
      if (last && Date.now() - readAt < refreshSeconds * 1000) return Promise.resolve(last);
      inFlight ??= reader()
        .then(
          (gauges) => {
            last = gauges;
            readAt = Date.now();
            refreshed.set(readAt / 1000);
            return gauges;
          },
          () => {
            errors.inc();
            return last;
          },
        )
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
}
