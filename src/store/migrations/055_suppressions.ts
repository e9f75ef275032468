import type { Kysely } from 'kysely';

/**
 * The suppression list: addresses that were deleted (by the person or an operator) or complained,
 * and must not come back through a sign-up or an import. Only a keyed hash of the normalised
 * address is kept, with why and when; an operator's lift is recorded on the row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('suppressions')
    .addColumn('address_hash', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('lifted_at', 'text')
    .addColumn('lifted_by', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('suppressions').execute();
}
