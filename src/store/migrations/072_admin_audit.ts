import type { Kysely } from 'kysely';

/**
 * Every change an operator makes from the console: who, when, what, to what, and the values
 * before and after (JSON). Written by admin/audit-log.repository.ts only; shown in the console.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    // The account's address at the time: the entry outlives the account.
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('client', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .execute();
  await db.schema.createIndex('admin_audit_log_at_idx').on('admin_audit_log').columns(['at', 'id']).execute();
  await db.schema.createIndex('admin_audit_log_target_idx').on('admin_audit_log').columns(['target_kind', 'target_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admin_audit_log').execute();
}
