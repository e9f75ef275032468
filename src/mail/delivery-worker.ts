import type { Logger } from '../shared/logger.ts';
import type { DeliverOptions, DeliverReport } from './delivery.service.ts';

/**
 * Drains the outbox in the background: pass after pass while there is work, a short idle wait
 * otherwise (or until kicked). When the SMTP server is down or throttling, the whole worker
 * backs off (1 s, 2 s, … up to a minute) instead of burning every row's attempts in a tight
 * loop, and resumes by itself once a pass gets through.
 */
export interface DeliveryWorker {
  start(): void;
  /** Look at the outbox now (after a transactional mail was queued and committed). */
  kick(): void;
  /** Stops taking new rows; resolves once the messages already handed to SMTP are recorded. */
  stop(): Promise<void>;
  /** Milliseconds the worker is currently backing off for; 0 when sending normally. */
  readonly pausedForMs: number;
}

export interface DeliveryWorkerOptions {
  deliver(options: DeliverOptions): Promise<DeliverReport>;
  log: Logger;
  batchSize?: number;
  idleMs?: number;
  maxPauseMs?: number;
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const batchSize = options.batchSize ?? 200;
  const idleMs = options.idleMs ?? 2000;
  const maxPauseMs = options.maxPauseMs ?? 60_000;
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let pauseMs = 0;

  const sleep = (ms: number, wakeable: boolean): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        // Removed each time: the signal lives as long as the worker, so listeners would pile up.
        controller.signal.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      controller.signal.addEventListener('abort', done, { once: true });
      if (wakeable) wake = done;
    });

  const pass = async (): Promise<void> => {
    let report: DeliverReport | undefined;
    try {
      report = await options.deliver({ limit: batchSize, signal: controller.signal });
    } catch (error) {
      options.log.error({ err: error }, 'delivery pass failed');
    }
    if (controller.signal.aborted) return;
    if (!report) return sleep(idleMs, true);
    if (report.transportDown || report.throttled) {
      pauseMs = Math.min(Math.max(pauseMs * 2, 1000), maxPauseMs);
      options.log.warn({ pauseMs, transportDown: report.transportDown, throttled: report.throttled }, 'SMTP server unavailable or throttling: pausing delivery');
      return sleep(pauseMs, false);
    }
    if (pauseMs > 0 && report.sent > 0) {
      options.log.info('SMTP server reachable again: delivery resumed');
      pauseMs = 0;
    }
    if (report.claimed < batchSize) return sleep(idleMs, true);
  };

  return {
    start() {
      running ??= (async () => {
        while (!controller.signal.aborted) await pass();
      })();
    },
    kick: () => wake?.(),
    async stop() {
      controller.abort();
      await running;
    },
    get pausedForMs() {
      return pauseMs;
    },
  };
}
