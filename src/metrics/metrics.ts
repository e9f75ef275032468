/**
 * What the rest of Gazette tells the metrics about, as plain calls: the core, the scheduler and
 * the HTTP layer depend on this interface only, never on prom-client. The composition root
 * (src/main.ts) builds the Prometheus implementation when `metrics.listen` is set; everything
 * else (the CLI, most tests) gets `noMetrics`, which records nothing.
 */
export interface Metrics {
  /** One delivery left a pass: its outcome and the class of the SMTP reply that decided it. */
  countDelivery(outcome: DeliveryOutcomeLabel, replyClass: ReplyClass): void;
  /** A delivery handed to SMTP: building, sending and recording it, in seconds. */
  observeSend(seconds: number): void;
  /** The SMTP transaction alone (what the transport took to answer), in seconds. */
  observeSmtpRoundTrip(seconds: number): void;
  /** Editions made (with their delivery rows queued), by frequency. */
  countEditions(frequency: string, count: number): void;
  /** One ingest run: how long it took and how many problems (rejected files, bad lines) it found. */
  observeIngest(seconds: number, problems: number): void;
  /** A scheduled job finished: `ok` false when it threw. */
  recordJob(job: string, ok: boolean, finishedAt: Date): void;
  /** One HTTP request, by route template (never the raw path) and status. */
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  /** A feed document was rendered again (its bytes changed), with its size. */
  countFeedRender(format: string, bytes: number): void;
  /**
   * How to read the gauges that come from the store (outbox by state, the oldest waiting row,
   * subscribers by status and frequency). Read lazily on scrape, at most every `refreshSeconds`.
   */
  readStoreGaugesWith(read: () => Promise<StoreGauges>): void;
}

export type DeliveryOutcomeLabel = 'sent' | 'failed' | 'bounced' | 'skipped' | 'deferred';

/** The SMTP reply's first digit as a class; `none` when no reply decided it (a connection failure, a skip). */
export type ReplyClass = '2xx' | '4xx' | '5xx' | 'none';

export interface StoreGauges {
  /** Delivery rows by status (queued, sending, sent, failed, bounced, skipped). */
  deliveriesByStatus: Readonly<Record<string, number>>;
  /** When the oldest row with work left (queued, retrying or being sent) was queued; null when none. */
  oldestPendingAt: Date | null;
  subscribers: readonly { status: string; frequency: string; count: number }[];
}

/** The metrics of a process that exposes none: every call is a no-op. */
export const noMetrics: Metrics = {
  countDelivery: () => undefined,
  observeSend: () => undefined,
  observeSmtpRoundTrip: () => undefined,
  countEditions: () => undefined,
  observeIngest: () => undefined,
  recordJob: () => undefined,
  observeHttp: () => undefined,
  countFeedRender: () => undefined,
  readStoreGaugesWith: () => undefined,
};

/** What the metrics listener serves: the exposition text and its media type. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}
