import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Database } from '../store/database.ts';
import { createCronSchedule, type CronSchedule } from './cron-schedule.ts';
import { acquireJobLease, ensureJobRow, releaseJobLease, renewJobLease, listJobRecords, type JobRecord } from './job-lease.repository.ts';

export interface JobContext {
  now: Date;
  /** Aborted when the service shuts down: a job stops taking new work and returns. */
  signal: AbortSignal;
}

export interface JobDefinition {
  name: string;
  cron: string;
  /** Returns a small summary (counts) recorded as the run's result. */
  run(context: JobContext): Promise<unknown>;
}

export type RunOutcome = 'ran' | 'failed' | 'skipped-running' | 'skipped-leased' | 'stopped';

export interface JobStatus extends JobRecord {
  cron: string;
  nextRunAt: string | null;
}

export interface Scheduler {
  /** Starts the node-cron ticking of every job. */
  start(): void;
  /** Runs one job now, under the same no-overlap rules as a tick. */
  runNow(name: string): Promise<RunOutcome>;
  status(): Promise<JobStatus[]>;
  /** Stops ticking, aborts running jobs' signals and waits for them (at most `timeoutMs`). */
  stop(timeoutMs: number): Promise<void>;
}

export interface SchedulerDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  timeZone: string;
  jobs: readonly JobDefinition[];
  /** How long a lease lasts without renewal: another instance takes over a dead one's job after this. */
  leaseMs?: number;
  /** Identifies this process in leases. */
  instanceId?: string;
}

/**
 * Runs jobs on their cron expressions in the site's timezone. A job never overlaps itself: not on
 * this instance (an in-process flag) and not across processes or instances (a lease row, renewed
 * while the job runs). A failing job is logged and recorded; it never stops the others.
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const leaseMs = deps.leaseMs ?? 60_000;
  const holder = deps.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const schedules = new Map<string, CronSchedule>(deps.jobs.map((j) => [j.name, createCronSchedule(j.cron, deps.timeZone)]));
  const running = new Map<string, Promise<RunOutcome>>();
  const abort = new AbortController();
  let tasks: ScheduledTask[] = [];
  let rowsReady: Promise<void> | undefined;

  const ensureRows = (): Promise<void> => (rowsReady ??= Promise.all(deps.jobs.map((j) => ensureJobRow(deps.db, j.name))).then(() => undefined));

  async function execute(job: JobDefinition): Promise<RunOutcome> {
    await ensureRows();
    const startedAt = deps.clock.now();
    if (!(await acquireJobLease(deps.db, job.name, holder, startedAt, leaseMs))) return 'skipped-leased';
    const heartbeat = setInterval(() => {
      renewJobLease(deps.db, job.name, holder, deps.clock.now(), leaseMs).catch((error: unknown) => deps.log.warn({ err: error, job: job.name }, 'could not renew job lease'));
    }, Math.max(1000, leaseMs / 3));
    heartbeat.unref();
    let outcome: RunOutcome = 'ran';
    let summary: unknown;
    let error: string | null = null;
    try {
      summary = await job.run({ now: startedAt, signal: abort.signal });
    } catch (err) {
      outcome = 'failed';
      error = (err as Error).message ?? String(err);
      deps.log.error({ err, job: job.name }, `job ${job.name} failed`);
    } finally {
      clearInterval(heartbeat);
    }
    const finishedAt = deps.clock.now();
    await releaseJobLease(deps.db, job.name, holder, {
      finishedAt,
      status: outcome === 'ran' ? 'ok' : 'failed',
      error,
      summary,
      nextRunAt: schedules.get(job.name)!.next(finishedAt),
    });
    deps.log.debug({ job: job.name, outcome, summary, ms: finishedAt.getTime() - startedAt.getTime() }, 'job finished');
    return outcome;
  }

  function runNow(name: string): Promise<RunOutcome> {
    const job = deps.jobs.find((j) => j.name === name);
    if (!job) return Promise.reject(new Error(`no job named "${name}"`));
    if (abort.signal.aborted) return Promise.resolve('stopped');
    if (running.has(name)) {
      deps.log.debug({ job: name }, 'job still running; this tick is skipped');
      return Promise.resolve('skipped-running');
    }
    const run = execute(job).finally(() => running.delete(name));
    running.set(name, run);
    return run;
  }

  return {
    start() {
      tasks = deps.jobs.map((job) =>
        cron.schedule(
          job.cron,
          async () => {
            await runNow(job.name).catch((error: unknown) => deps.log.error({ err: error, job: job.name }, 'job could not start'));
          },
          { timezone: deps.timeZone, name: `gazette-${job.name}`, noOverlap: true },
        ),
      );
    },
    runNow,
    async status() {
      await ensureRows();
      const now = deps.clock.now();
      const records = await listJobRecords(deps.db, now);
      return deps.jobs.map((job) => {
        const record = records.find((r) => r.name === job.name);
        return {
          name: job.name,
          cron: job.cron,
          running: record?.running ?? false,
          lastStartedAt: record?.lastStartedAt ?? null,
          lastFinishedAt: record?.lastFinishedAt ?? null,
          lastStatus: record?.lastStatus ?? null,
          lastError: record?.lastError ?? null,
          lastSummary: record?.lastSummary ?? null,
          nextRunAt: schedules.get(job.name)!.next(now)?.toISOString() ?? null,
        };
      });
    },
    async stop(timeoutMs) {
      for (const task of tasks) await task.destroy();
      tasks = [];
      abort.abort();
      const pending = Promise.allSettled([...running.values()]);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          deps.log.warn({ jobs: [...running.keys()] }, 'jobs still running at shutdown deadline');
          resolve();
        }, timeoutMs);
      });
      await Promise.race([pending, timeout]);
      clearTimeout(timer);
    },
  };
}
