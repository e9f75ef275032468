import type { Kysely } from 'kysely';

/**
 * What keeps bots off the subscribe form: the form stamps and solved proofs already used (each is
 * good for one sign-up), and a count of refused sign-ups per day and reason for the operator.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // `stamp` is the nonce of a form stamp ('form:...') or of a solved proof of work ('pow:...').
  // A row lives until the stamp could no longer be accepted anyway, then is pruned.
  await db.schema
    .createTable('form_stamps')
    .addColumn('stamp', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('form_stamps_expires_idx').on('form_stamps').column('expires_at').execute();

  // No address is kept: only how many sign-ups were refused, on which day (UTC), and why.
  await db.schema
    .createTable('signup_refusals')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('signup_refusals_pk', ['day', 'reason'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['signup_refusals', 'form_stamps']) await db.schema.dropTable(table).execute();
}
