import type { Kysely } from 'kysely';

// One row per scheduled job: its lease (so one instance, or one process, runs it at a time)
// and its last run (so `gazette status` and /healthz can report it from any process).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scheduler_jobs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('lease_holder', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_started_at', 'text')
    .addColumn('last_finished_at', 'text')
    .addColumn('last_status', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_summary', 'text')
    .addColumn('next_run_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scheduler_jobs').execute();
}
