import type { Db } from '../store/database.ts';

/**
 * Job leases: a row per job; an instance runs the job only while it holds an unexpired lease.
 * Plain UPDATE … WHERE, so it behaves the same on SQLite (several processes) and PostgreSQL
 * (several instances): the database decides who wins.
 */
export async function ensureJobRow(db: Db, name: string): Promise<void> {
  await db
    .insertInto('scheduler_jobs')
    .values({
      name,
      lease_holder: null,
      lease_expires_at: null,
      last_started_at: null,
      last_finished_at: null,
      last_status: null,
      last_error: null,
      last_summary: null,
      next_run_at: null,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

export async function acquireJobLease(db: Db, name: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
  const result = await db
    .updateTable('scheduler_jobs')
    .set({ lease_holder: holder, lease_expires_at: new Date(now.getTime() + ttlMs).toISOString(), last_started_at: now.toISOString() })
    .where('name', '=', name)
    .where((eb) =>
      eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now.toISOString()), eb('lease_holder', '=', holder)]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function renewJobLease(db: Db, name: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
  const result = await db
    .updateTable('scheduler_jobs')
    .set({ lease_expires_at: new Date(now.getTime() + ttlMs).toISOString() })
    .where('name', '=', name)
    .where('lease_holder', '=', holder)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Gives a lease back without recording a run: the job was not started (the service began to stop
 * while the lease was being taken). `last_started_at` keeps the attempt, with no finish after it,
 * as for a run cut short; what matters is that the next instance need not wait for the expiry.
 */
export async function returnJobLease(db: Db, name: string, holder: string): Promise<void> {
  await db
    .updateTable('scheduler_jobs')
    .set({ lease_holder: null, lease_expires_at: null })
    .where('name', '=', name)
    .where('lease_holder', '=', holder)
    .execute();
}

export interface JobOutcome {
  finishedAt: Date;
  status: 'ok' | 'failed';
  error: string | null;
  summary: unknown;
  nextRunAt: Date | undefined;
}

export async function releaseJobLease(db: Db, name: string, holder: string, outcome: JobOutcome): Promise<void> {
  await db
    .updateTable('scheduler_jobs')
    .set({
      lease_holder: null,
      lease_expires_at: null,
      last_finished_at: outcome.finishedAt.toISOString(),
      last_status: outcome.status,
      last_error: outcome.error,
      last_summary: outcome.summary === undefined ? null : JSON.stringify(outcome.summary),
      next_run_at: outcome.nextRunAt?.toISOString() ?? null,
    })
    .where('name', '=', name)
    .where('lease_holder', '=', holder)
    .execute();
}

export interface JobRecord {
  name: string;
  running: boolean;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastStatus: 'ok' | 'failed' | null;
  lastError: string | null;
  lastSummary: unknown;
  nextRunAt: string | null;
}

export async function listJobRecords(db: Db, now: Date): Promise<JobRecord[]> {
  const rows = await db.selectFrom('scheduler_jobs').selectAll().orderBy('name').execute();
  return rows.map((r) => ({
    name: r.name,
    running: r.lease_expires_at !== null && r.lease_expires_at > now.toISOString(),
    lastStartedAt: r.last_started_at,
    lastFinishedAt: r.last_finished_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    lastSummary: r.last_summary === null ? null : (JSON.parse(r.last_summary) as unknown),
    nextRunAt: r.next_run_at,
  }));
}
