import type { Logger } from '../shared/logger.ts';
import type { DeliverOptions, DeliverReport } from './delivery.service.ts';
import type { SendingPause } from './sending-pause.repository.ts';
import { createOutageLog, type OutageLog } from '../store/outage-log.ts';

/**
 * Drains the outbox in the background: pass after pass while there is work, a short idle wait
 * otherwise (or until kicked). When the SMTP server is down, throttling, or refusing the session
 * or the sender (a 530 to MAIL FROM, a 554 policy refusal), the whole worker pauses (1 s, 2 s, …
 * up to maxPauseMs) instead of burning rows, and each pass while paused is a probe of ONE
 * message: the first one the server accepts ends the pause. Sending resumes by itself; the pause
 * is recorded (recordPause) for /healthz and `gazette status`.
 */
export interface DeliveryWorker {
  start(): void;
  /** Look at the outbox now (after a transactional mail was queued and committed). */
  kick(): void;
  /**
   * Stops taking new rows: rows not yet handed to SMTP go back to the queue at once. Sends in
   * flight may finish until `abortAt`; then their SMTP transactions are ended and their rows
   * released too. Resolves once every claimed row is recorded.
   */
  stop(abortAt?: Date): Promise<void>;
  /** Milliseconds the worker is currently backing off for; 0 when sending normally. */
  readonly pausedForMs: number;
}

export interface DeliveryWorkerOptions {
  deliver(options: DeliverOptions): Promise<DeliverReport>;
  log: Logger;
  /** Where a database outage is reported once (shared with the scheduler); by default the worker's own. */
  outages?: OutageLog;
  /** Stores the pause (null: sending again) where other processes can read it. */
  recordPause?(pause: SendingPause | null): Promise<void>;
  /** Wall-clock time for the recorded pause (the backoff itself uses timers). */
  now?: () => Date;
  batchSize?: number;
  idleMs?: number;
  maxPauseMs?: number;
}

/** Why a pass says to pause, if it does: the server's own words are kept for the operator. */
function pauseOf(report: DeliverReport): Pick<SendingPause, 'reason' | 'reply'> | undefined {
  if (report.refusal) return { reason: report.refusal.permanent ? 'refused' : 'deferred', reply: report.refusal.reply };
  if (report.transportDown) return { reason: 'unreachable', reply: report.transportError ?? 'SMTP server unreachable' };
  return undefined;
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const batchSize = options.batchSize ?? 200;
  const idleMs = options.idleMs ?? 2000;
  const maxPauseMs = options.maxPauseMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  const outages = options.outages ?? createOutageLog(options.log, { now });
  const controller = new AbortController();
  const abortSends = new AbortController();
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let pauseMs = 0;
  let pausedSince: Date | undefined;
  let pausedReply: string | undefined;
  // True at start: a pause recorded before a restart is cleared by the first message accepted.
  let recorded = true;

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

  const record = async (pause: SendingPause | null): Promise<void> => {
    try {
      await options.recordPause?.(pause);
      recorded = pause !== null;
    } catch (error) {
      if (!outages.failed('delivery worker', error)) options.log.error({ err: error }, 'could not record the delivery pause');
    }
  };

  const pass = async (): Promise<void> => {
    let report: DeliverReport | undefined;
    try {
      // While paused, each pass is a probe of one message: a refusing server costs one row a try.
      report = await options.deliver({ limit: pauseMs > 0 ? 1 : batchSize, signal: controller.signal, abortSends: abortSends.signal });
    } catch (error) {
      // A database outage is one line when it starts and one when it ends, not a stack a pass.
      if (!outages.failed('delivery worker', error)) options.log.error({ err: error }, 'delivery pass failed');
    }
    if (controller.signal.aborted) return;
    if (!report) return sleep(idleMs, true);
    outages.succeeded('delivery worker');
    const pause = pauseOf(report);
    if (pause || report.throttled) {
      pauseMs = Math.min(Math.max(pauseMs * 2, 1000), maxPauseMs);
      const at = now();
      // Said once when it starts (or when the server's reply changes), not at every probe; the
      // pause's start stays its start in /healthz and `gazette status`.
      const news = pausedSince === undefined || pause?.reply !== pausedReply;
      pausedSince ??= at;
      pausedReply = pause?.reply;
      if (pause) {
        await record({ ...pause, since: pausedSince.toISOString(), nextProbeAt: new Date(at.getTime() + pauseMs).toISOString() });
        const what =
          pause.reason === 'unreachable'
            ? `SMTP server unreachable (${pause.reply})`
            : `SMTP server refused (${pause.reply}); no subscriber was bounced`;
        options.log[news ? 'warn' : 'debug'](
          { pauseMs, reason: pause.reason, reply: pause.reply },
          `${what}: delivery paused, trying one message after 1 s, 2 s, … up to ${maxPauseMs / 1000} s; it resumes by itself when the server accepts one`,
        );
      } else options.log[news ? 'warn' : 'debug']({ pauseMs }, 'SMTP server throttling: slowing delivery down');
      return sleep(pauseMs, false);
    }
    if (pauseMs > 0 && report.sent > 0) {
      const seconds = Math.round((now().getTime() - (pausedSince ?? now()).getTime()) / 1000);
      options.log.info(
        { pausedSeconds: seconds, reply: pausedReply },
        `SMTP server accepts mail again: delivery resumed after ${seconds} s`,
      );
      pauseMs = 0;
      pausedSince = undefined;
      pausedReply = undefined;
    }
    if (recorded && report.sent > 0) await record(null);
    if (report.claimed < (pauseMs > 0 ? 1 : batchSize)) return sleep(idleMs, true);
  };

  return {
    start() {
      running ??= (async () => {
        while (!controller.signal.aborted) await pass();
      })();
    },
    kick: () => wake?.(),
    async stop(abortAt) {
      controller.abort();
      if (!running) return;
      const waitMs = abortAt ? abortAt.getTime() - Date.now() : Infinity;
      let timer: NodeJS.Timeout | undefined;
      if (Number.isFinite(waitMs)) timer = setTimeout(() => abortSends.abort(new Error('shutdown deadline')), Math.max(0, waitMs));
      try {
        await running;
      } finally {
        clearTimeout(timer);
      }
    },
    get pausedForMs() {
      return pauseMs;
    },
  };
}
