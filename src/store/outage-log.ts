import type { Clock } from '../shared/clock.ts';
import { isGazetteError, type ErrorCode } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';

/** Store failures that are an outage of a server or disk we depend on, not a bug of ours. */
const OUTAGE_CODES: ReadonlySet<ErrorCode> = new Set(['DatabaseUnavailable', 'DatabaseBusy', 'StorageFull']);

/**
 * Reports an outage of the database (down, busy, full) as two log lines, one when it starts
 * (with its code and the driver's reason) and one when it ends, however many background passes
 * (the delivery worker every 2 s, the feeds job every 5 s, the other jobs) fail in between: a
 * stack trace per pass would bury the line that says what is wrong. One per Gazette, shared by
 * everything that runs in the background.
 */
export interface OutageLog {
  /**
   * Call with what a background pass threw. True when it is an outage (logged once, here);
   * false when it is anything else, which the caller logs as before.
   */
  failed(source: string, error: unknown): boolean;
  /** Call after a pass that reached the database: ends an outage one of its failures began. */
  succeeded(source: string): void;
}

interface Outage {
  code: ErrorCode;
  since: number;
  sources: Set<string>;
}

export function createOutageLog(log: Logger, clock: Clock): OutageLog {
  const now = (): number => clock.now().getTime();
  let current: Outage | undefined;
  return {
    failed(source, error) {
      if (!isGazetteError(error) || !OUTAGE_CODES.has(error.code)) return false;
      if (current?.code === error.code) {
        current.sources.add(source);
        log.debug({ code: error.code, source }, `still failing: ${error.message}`);
        return true;
      }
      current = { code: error.code, since: now(), sources: new Set([source]) };
      log.error(
        { code: error.code, source },
        `${error.message} Sending, ingest and the scheduled jobs pause and keep trying; the log says when it is over.`,
      );
      return true;
    },
    succeeded(source) {
      // Only a pass that failed in this outage ends it: the feeds job reading a full disk's
      // database would say nothing about whether writes work again.
      if (!current?.sources.has(source)) return;
      const seconds = Math.round((now() - current.since) / 1000);
      log.info(
        { code: current.code, source, outageSeconds: seconds },
        `the database works again (${current.code} for ${seconds} s): sending, ingest and the scheduled jobs resumed`,
      );
      current = undefined;
    },
  };
}
