import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import { listPausedEditions } from '../editions/edition-pause.repository.ts';
import { countPendingDeliveries } from '../mail/outbox.repository.ts';
import { readSendingPause, type SendingPause } from '../mail/sending-pause.repository.ts';
import type { Database } from '../store/database.ts';
import { createCronSchedule } from '../shared/cron-schedule.ts';
import { everySecondsCron } from './gazette-jobs.ts';
import { listJobRecords, type JobRecord } from './job-lease.repository.ts';

export interface JobReport extends Omit<JobRecord, 'nextRunAt'> {
  cron: string;
  nextRunAt: string | null;
  /** Runs on every instance with no shared record: its last run is known only to that instance. */
  everyInstance: boolean;
}

export interface ServiceStatus {
  scheduler: { enabled: boolean; timeZone: string; jobs: JobReport[] };
  deliveryQueue: {
    pending: number;
    /** The SMTP server refused the session or the sender, or was unreachable, when last tried: sending is paused, nothing bounced. */
    paused: SendingPause | null;
    /** Editions the bounce circuit breaker stopped (their rows stay queued until an operator resumes them). */
    stoppedEditions: { editionId: string; pausedAt: string; reason: string }[];
  };
}

/** One job's report: its stored record (or nothing yet) with its expression and next run. */
export function toJobReport(name: string, cron: string, record: JobRecord | undefined, nextRunAt: Date | undefined): JobReport {
  return {
    name,
    cron,
    everyInstance: EVERY_INSTANCE_JOBS.has(name),
    running: record?.running ?? false,
    lastStartedAt: record?.lastStartedAt ?? null,
    lastFinishedAt: record?.lastFinishedAt ?? null,
    lastStatus: record?.lastStatus ?? null,
    lastError: record?.lastError ?? null,
    lastSummary: record?.lastSummary ?? null,
    nextRunAt: nextRunAt?.toISOString() ?? null,
  };
}

export const SCHEDULED_JOBS = ['scan', 'embargo', 'instant', 'daily', 'weekly', 'feeds', 'purge'] as const;

/**
 * The jobs this configuration runs, each with its cron expression, in the order gazette-jobs.ts
 * defines them: the fixed ones, and `bounces` (after the digests) when a bounce mailbox is read.
 */
export function scheduledJobs(config: Config): { name: string; cron: string }[] {
  const jobs: { name: string; cron: string }[] = SCHEDULED_JOBS.map((name) => ({ name, cron: config.scheduler[name] }));
  const imap = config.bounces.imap;
  if (imap) jobs.splice(jobs.findIndex((j) => j.name === 'weekly') + 1, 0, { name: 'bounces', cron: everySecondsCron(imap.pollSeconds) });
  return jobs;
}

/** Jobs that run on each instance without a lease (see gazette-jobs.ts), so the store holds no record of them. */
const EVERY_INSTANCE_JOBS: ReadonlySet<string> = new Set(['feeds']);

/**
 * Each job's last run, result and next run, and the delivery queue depth, read from the store:
 * what /healthz and `gazette status` show, from the serving process or from any other. The jobs
 * that run on every instance have no shared record: the serving process passes its own
 * (`instanceRecords`), and another process (`gazette status`) shows them with no last run.
 */
export async function readServiceStatus(
  db: Kysely<Database>,
  config: Config,
  now: Date,
  instanceRecords: readonly JobRecord[] = [],
): Promise<ServiceStatus> {
  const records = new Map(
    [...(await listJobRecords(db, now)), ...instanceRecords.filter((r) => EVERY_INSTANCE_JOBS.has(r.name))].map((r) => [r.name, r]),
  );
  const jobs = scheduledJobs(config).map(({ name, cron }) => {
    const next = config.scheduler.enabled ? createCronSchedule(cron, config.site.timezone).next(now) : undefined;
    return toJobReport(name, cron, records.get(name), next);
  });
  return {
    scheduler: { enabled: config.scheduler.enabled, timeZone: config.site.timezone, jobs },
    deliveryQueue: {
      pending: await countPendingDeliveries(db),
      paused: await readSendingPause(db),
      stoppedEditions: (await listPausedEditions(db)).map((p) => ({
        editionId: p.editionId,
        pausedAt: p.pausedAt.toISOString(),
        reason: p.reason,
      })),
    },
  };
}
