import { sql, type Kysely } from 'kysely';

/**
 * Editions and the outbox. The outbox (`deliveries`) holds every message Gazette sends, edition
 * or transactional, so that all mail shares one ledger, one worker, one retry policy and one report.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('editions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('frequency', 'text', (c) => c.notNull())
    // For digests the end of the period (ISO); for instant editions the article id.
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('editions_period_unique', ['frequency', 'period_key'])
    .execute();

  // An article belongs to at most one edition per frequency: the database itself guarantees
  // that nobody gets the same article twice by the same frequency, whatever the scheduler does.
  await db.schema
    .createTable('edition_articles')
    .addColumn('edition_id', 'text', (c) => c.notNull().references('editions.id'))
    .addColumn('article_id', 'text', (c) => c.notNull())
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('edition_articles_pk', ['edition_id', 'article_id'])
    .addUniqueConstraint('edition_articles_once_per_frequency', ['frequency', 'article_id'])
    .execute();

  await db.schema
    .createTable('deliveries')
    // "<edition id>:<subscriber id>" or "tx:<key>": deterministic, so the Message-ID derived
    // from it is the same on every retry and a second enqueue of the same key is a no-op.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('edition_id', 'text', (c) => c.references('editions.id'))
    .addColumn('subscriber_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('params', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // queued/failed: when it may be tried next; sending: when its lease expires; null: nothing left to do.
    .addColumn('due_at', 'text')
    .addColumn('lease_token', 'text')
    .addColumn('last_reply', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addUniqueConstraint('deliveries_edition_subscriber_unique', ['edition_id', 'subscriber_id'])
    .execute();
  // Partial index: the worker's claim scans only rows with work left, however large the ledger grows.
  // The predicate is written literally so SQLite's planner can match it against the claim query.
  await sql`create index deliveries_due_idx on deliveries (due_at) where status in ('queued', 'failed', 'sending')`.execute(db);
  await db.schema.createIndex('deliveries_edition_status_idx').on('deliveries').columns(['edition_id', 'status']).execute();
  await db.schema.createIndex('deliveries_lease_idx').on('deliveries').column('lease_token').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['deliveries', 'edition_articles', 'editions']) await db.schema.dropTable(table).execute();
}
