import { randomUUID } from 'node:crypto';
import cron, { type Logger as NodeCronLogger, type ScheduledTask } from 'node-cron';
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.ts';
import { isGazetteError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Database } from '../store/database.ts';
import { createOutageLog, type OutageLog } from '../store/outage-log.ts';
import { createCronSchedule, type CronSchedule } from '../shared/cron-schedule.ts';
import { toJobReport, type JobReport } from './service-status.ts';
import {
  acquireJobLease,
  ensureJobRow,
  releaseJobLease,
  renewJobLease,
  returnJobLease,
  listJobRecords,
  type JobRecord,
} from './job-lease.repository.ts';

export interface JobContext {
  /** When the run started. */
  now: Date;
  /** The scheduler's clock, for a job that needs the time after some of its work. */
  clock: Clock;
  /** True for the run the service makes as it starts (runNow with `atStart`), not a tick. */
  atStart: boolean;
  /** Aborted when the service shuts down: a job stops taking new work and returns. */
  signal: AbortSignal;
}

export interface JobDefinition {
  name: string;
  cron: string;
  /**
   * Runs on every instance, with no lease and no record in the store (only the in-process
   * no-overlap rule): for work about this process's own state, such as its feed cache.
   */
  everyInstance?: boolean;
  /** Returns a small summary (counts) recorded as the run's result. */
  run(context: JobContext): Promise<unknown>;
}

export type RunOutcome = 'ran' | 'failed' | 'skipped-running' | 'skipped-leased' | 'stopped';

export interface Scheduler {
  /** Starts the node-cron ticking of every job; nothing once stop() was called (its ticks could never run a job). */
  start(): void;
  /** Runs one job now, under the same no-overlap rules as a tick. */
  runNow(name: string, options?: { atStart?: boolean }): Promise<RunOutcome>;
  /**
   * Runs one job now as a tick does: a failure is logged, never thrown (nobody need await it); a
   * job that could not start (an unknown name, the store down) is 'failed'.
   */
  runInBackground(name: string): Promise<RunOutcome>;
  status(): Promise<JobReport[]>;
  /** The last runs of this instance's `everyInstance` jobs (kept in memory: the store has no row for them). */
  instanceRecords(): JobRecord[];
  /**
   * Stops ticking, aborts running jobs' signals and waits for them (at most `timeoutMs`). From the
   * moment it is called no job starts: runNow and runInBackground answer 'stopped'.
   */
  stop(timeoutMs: number): Promise<void>;
}

export interface SchedulerDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  timeZone: string;
  jobs: readonly JobDefinition[];
  /** How long a lease lasts without renewal: another instance takes over a dead one's job after this (default 30 s). */
  leaseMs?: number;
  /** Identifies this process in leases. */
  instanceId?: string;
  /** Where a database outage is reported once (shared with the delivery worker); by default the scheduler's own. */
  outages?: OutageLog;
  /** Each job's last success and failures (none recorded without it). */
  metrics?: Metrics;
}

/**
 * 30 s, renewed every 10 s: shorter than the one-minute ticks of scan, embargo and instant, so
 * the first tick that comes after a dead holder's lease ran out takes the job over, and long
 * enough that three missed renewals in a row (a stalled database) are needed to lose it.
 */
export const DEFAULT_JOB_LEASE_MS = 30_000;

/**
 * Runs jobs on their cron expressions in the site's timezone. A job never overlaps itself: not on
 * this instance (an in-process flag) and not across processes or instances (a lease row, renewed
 * while the job runs). A failing job is logged and recorded; it never stops the others. Jobs
 * marked `everyInstance` skip the lease and run on each instance.
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const leaseMs = deps.leaseMs ?? DEFAULT_JOB_LEASE_MS;
  const holder = deps.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const schedules = new Map<string, CronSchedule>(deps.jobs.map((j) => [j.name, createCronSchedule(j.cron, deps.timeZone)]));
  const running = new Map<string, Promise<RunOutcome>>();
  const abort = new AbortController();
  const outages = deps.outages ?? createOutageLog(deps.log, deps.clock);
  const logFailure = (job: string, err: unknown, what?: string): void => {
    if (!outages.failed(`job ${job}`, err)) logJobFailure(deps.log, job, err, what);
  };
  let tasks: ScheduledTask[] = [];
  let rowsReady: Promise<void> | undefined;

  const localRecords = new Map<string, JobRecord>();
  const sharedJobs = deps.jobs.filter((j) => !j.everyInstance);
  // Forgotten when it fails (the database was down): the next run tries again instead of failing for ever.
  const ensureRows = (): Promise<void> =>
    (rowsReady ??= Promise.all(sharedJobs.map((j) => ensureJobRow(deps.db, j.name))).then(
      () => undefined,
      (error: unknown) => {
        rowsReady = undefined;
        throw error;
      },
    ));

  /** A job of this instance alone: no lease, its last run kept in memory for status(). */
  async function executeLocally(job: JobDefinition, context: JobContext): Promise<RunOutcome> {
    const startedAt = context.now;
    const previous = localRecords.get(job.name);
    const base: JobRecord = {
      name: job.name,
      running: false,
      lastStartedAt: startedAt.toISOString(),
      lastFinishedAt: null,
      lastStatus: null,
      lastError: null,
      lastSummary: null,
      nextRunAt: null,
    };
    localRecords.set(job.name, { ...(previous ?? base), running: true, lastStartedAt: base.lastStartedAt });
    let outcome: Partial<JobRecord>;
    try {
      outcome = { lastStatus: 'ok', lastSummary: (await job.run(context)) ?? null };
    } catch (err) {
      logFailure(job.name, err);
      outcome = { lastStatus: 'failed', lastError: (err as Error).message ?? String(err) };
    }
    if (outcome.lastStatus === 'ok') outages.succeeded(`job ${job.name}`);
    const finishedAt = deps.clock.now();
    deps.metrics?.recordJob(job.name, outcome.lastStatus === 'ok', finishedAt);
    localRecords.set(job.name, { ...base, ...outcome, lastFinishedAt: finishedAt.toISOString() });
    return outcome.lastStatus === 'ok' ? 'ran' : 'failed';
  }

  async function execute(job: JobDefinition, atStart: boolean): Promise<RunOutcome> {
    if (job.everyInstance) return executeLocally(job, { now: deps.clock.now(), clock: deps.clock, atStart, signal: abort.signal });
    // No job starts after stop() began: checked after each wait that comes before the job's body.
    await ensureRows();
    if (abort.signal.aborted) return 'stopped';
    const startedAt = deps.clock.now();
    if (!(await acquireJobLease(deps.db, job.name, holder, startedAt, leaseMs))) return 'skipped-leased';
    if (abort.signal.aborted) {
      await returnJobLease(deps.db, job.name, holder).catch((error: unknown) =>
        deps.log.warn({ err: error, job: job.name }, 'could not give back the job lease at shutdown; it expires by itself'),
      );
      return 'stopped';
    }
    const heartbeat = setInterval(
      () => {
        renewJobLease(deps.db, job.name, holder, deps.clock.now(), leaseMs).then(
          (held) => held || deps.log.warn({ job: job.name }, 'job lease lost (not renewed in time): another instance may run this job too'),
          (error: unknown) =>
            outages.failed(`job ${job.name}`, error) || deps.log.warn({ err: error, job: job.name }, 'could not renew job lease'),
        );
      },
      Math.max(1000, leaseMs / 3),
    );
    heartbeat.unref();
    let outcome: RunOutcome = 'ran';
    let summary: unknown;
    let error: string | null = null;
    try {
      summary = await job.run({ now: startedAt, clock: deps.clock, atStart, signal: abort.signal });
    } catch (err) {
      outcome = 'failed';
      error = (err as Error).message ?? String(err);
      logFailure(job.name, err);
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
    if (outcome === 'ran') outages.succeeded(`job ${job.name}`);
    deps.metrics?.recordJob(job.name, outcome === 'ran', finishedAt);
    deps.log.debug({ job: job.name, outcome, summary, ms: finishedAt.getTime() - startedAt.getTime() }, 'job finished');
    return outcome;
  }

  function runNow(name: string, options: { atStart?: boolean } = {}): Promise<RunOutcome> {
    const job = deps.jobs.find((j) => j.name === name);
    if (!job) return Promise.reject(new Error(`no job named "${name}"`));
    if (abort.signal.aborted) {
      deps.log.debug({ job: name }, 'the scheduler is stopping; the job is not started');
      return Promise.resolve('stopped');
    }
    if (running.has(name)) {
      deps.log.debug({ job: name }, 'job still running; this tick is skipped');
      return Promise.resolve('skipped-running');
    }
    const run = execute(job, options.atStart ?? false).finally(() => running.delete(name));
    running.set(name, run);
    return run;
  }

  const runInBackground = (name: string): Promise<RunOutcome> =>
    runNow(name).catch((error: unknown) => {
      logFailure(name, error, 'could not start');
      return 'failed' as const;
    });

  return {
    start() {
      if (abort.signal.aborted) return;
      tasks = deps.jobs.map((job) => {
        const task = cron.schedule(job.cron, () => runInBackground(job.name), {
          timezone: deps.timeZone,
          name: `gazette-${job.name}`,
          noOverlap: true,
          logger: nodeCronLogger(deps.log, job.name),
        });
        // A listener replaces node-cron's own coloured console warning with one JSON line.
        task.on('execution:missed', (context) => {
          const missedAt = context.date.toISOString();
          deps.log.warn({ job: job.name, missedAt }, `job ${job.name} missed a tick (the process was busy); a later tick makes up for it`);
        });
        return task;
      });
    },
    runNow,
    runInBackground,
    instanceRecords: () => [...localRecords.values()],
    async status() {
      await ensureRows();
      const now = deps.clock.now();
      const records = [...(await listJobRecords(deps.db, now)), ...localRecords.values()];
      return deps.jobs.map((job) =>
        toJobReport(
          job.name,
          job.cron,
          records.find((r) => r.name === job.name),
          schedules.get(job.name)!.next(now),
        ),
      );
    },
    async stop(timeoutMs) {
      // Aborted before the first await: a tick that fires while the tasks are being destroyed
      // finds the scheduler stopping and starts nothing.
      abort.abort();
      const ticking = tasks;
      tasks = [];
      for (const task of ticking) await task.destroy();
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

/**
 * An operator's problem (the seeds directory gone, the database down) is one log line with its
 * code and what to do, once per run; anything else is a bug and is logged with its stack.
 */
function logJobFailure(log: Logger, job: string, err: unknown, what = 'failed'): void {
  if (isGazetteError(err)) log.error({ job, code: err.code }, `job ${job} ${what}: ${err.message}`);
  else log.error({ err, job }, `job ${job} ${what}`);
}

/** node-cron's own messages (overlap notices, its internal errors) as JSON lines of our logger, never on the console. */
function nodeCronLogger(log: Logger, job: string): NodeCronLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string | Error, err?: Error): void => {
      if (message instanceof Error) log[level]({ job, err: message }, `node-cron: ${message.message}`);
      else log[level]({ job, ...(err ? { err } : {}) }, `node-cron: ${message}`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
