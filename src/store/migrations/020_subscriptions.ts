import type { Kysely } from 'kysely';

/**
 * Confirmation requests and rate-limit counters for subscriptions (the subscribers table itself
 * is in 001_initial). Both live in the store, not in memory, so several instances sharing one
 * database share one truth.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per confirmation mail. The link carries the row id, signed; the row holds what the
  // request asked for (applied only when confirmed), its expiry and when it was used.
  await db.schema
    .createTable('subscription_confirmations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscriber_id', 'text', (c) => c.notNull().references('subscribers.id').onDelete('cascade'))
    .addColumn('name', 'text')
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('consent_ip', 'text')
    .addColumn('consent_user_agent', 'text')
    .addColumn('consent_source', 'text', (c) => c.notNull())
    .addColumn('consent_text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema
    .createIndex('subscription_confirmations_subscriber_idx')
    .on('subscription_confirmations')
    .columns(['subscriber_id', 'created_at'])
    .execute();

  // Fixed-window counters: one row per (key, window). Incremented with an upsert, so concurrent
  // requests on several instances count exactly.
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_counters_pk', ['key', 'window_start'])
    .execute();
  await db.schema.createIndex('rate_limit_counters_window_idx').on('rate_limit_counters').column('window_start').execute();

  // Admin search and export order subscribers by creation time.
  await db.schema.createIndex('subscribers_created_idx').on('subscribers').columns(['created_at', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('subscribers_created_idx').execute();
  for (const table of ['rate_limit_counters', 'subscription_confirmations']) await db.schema.dropTable(table).execute();
}
