import { sql } from 'kysely';
import { messageOf } from '../shared/errors.ts';
import type { Db } from '../store/database.ts';
import { listPendingMigrations } from '../store/migration-state.ts';

export type ReadinessCheck = 'migrations' | 'database' | 'firstIngest' | 'notShuttingDown';

export interface ReadinessReport {
  ready: boolean;
  /** Each check, true when it passes; `failing` names those that do not, with why. */
  checks: Record<ReadinessCheck, boolean>;
  failing: { check: ReadinessCheck; reason: string }[];
}

/**
 * Whether this instance should be sent traffic (`GET /readyz`): the schema is current, the store
 * answers, the first ingest since start has run (the feeds hold the articles), and it is not
 * shutting down. Liveness (`/livez`) asks none of this: a process that answers is alive.
 */
export interface Readiness {
  /** The first ingest (or, when another instance held the scan, the first feed render) is done. */
  markIngested(): void;
  /** Shutdown began: from now on the instance is not ready, whatever else holds. */
  markStopping(): void;
  check(): Promise<ReadinessReport>;
}

export function createReadiness(db: Db): Readiness {
  let ingested = false;
  let stopping = false;
  // Once current, the schema stays current for this process (a newer instance may add
  // migrations this build does not know; those are not ours to wait for).
  let migrated = false;
  return {
    markIngested: () => void (ingested = true),
    markStopping: () => void (stopping = true),
    async check() {
      const failing: ReadinessReport['failing'] = [];
      let reachable = true;
      try {
        await sql`select 1`.execute(db);
      } catch (error) {
        reachable = false;
        failing.push({ check: 'database', reason: `the database does not answer: ${messageOf(error)}` });
      }
      if (!migrated && reachable) {
        try {
          const pending = await listPendingMigrations(db);
          migrated = pending.length === 0;
          if (!migrated) failing.push({ check: 'migrations', reason: `migrations not run yet: ${pending.join(', ')}` });
        } catch (error) {
          failing.push({ check: 'migrations', reason: `could not read the migrations: ${messageOf(error)}` });
        }
      } else if (!migrated) failing.push({ check: 'migrations', reason: 'unknown while the database does not answer' });
      if (!ingested) failing.push({ check: 'firstIngest', reason: 'the first ingest since start has not finished' });
      if (stopping) failing.push({ check: 'notShuttingDown', reason: 'shutting down' });
      const fails = (check: ReadinessCheck): boolean => failing.some((f) => f.check === check);
      return {
        ready: failing.length === 0,
        checks: {
          migrations: !fails('migrations'),
          database: !fails('database'),
          firstIngest: !fails('firstIngest'),
          notShuttingDown: !fails('notShuttingDown'),
        },
        failing,
      };
    },
  };
}
