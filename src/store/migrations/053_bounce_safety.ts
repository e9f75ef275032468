import type { Kysely } from 'kysely';

/**
 * What protects the list from a misbehaving mail server: an event row for every bounce and every
 * restore of a subscriber (who, when, why, the server's reply), and the editions the bounce
 * circuit breaker has stopped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Not a foreign key on subscribers: the record of a restore or a bounce outlives nothing it
  // should not, and deleting a subscriber's data deletes these rows by hand (GDPR article 17).
  await db.schema
    .createTable('subscriber_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscriber_id', 'text', (c) => c.notNull())
    .addColumn('edition_id', 'text')
    // 'bounced' (a permanent SMTP failure about the address) or 'restored' (an operator undid one).
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reply', 'text')
    .addColumn('actor', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('subscriber_events_subscriber_idx')
    .on('subscriber_events')
    .columns(['subscriber_id', 'created_at'])
    .execute();
  // The breaker counts one edition's recent bounces.
  await db.schema
    .createIndex('subscriber_events_edition_idx')
    .on('subscriber_events')
    .columns(['edition_id', 'kind', 'created_at'])
    .execute();

  // One row per edition the breaker stopped; an operator's resume lets it send again.
  await db.schema
    .createTable('edition_pauses')
    .addColumn('edition_id', 'text', (c) => c.primaryKey())
    .addColumn('paused_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    // Set by an operator's resume: the breaker then counts only the bounces that come after it.
    .addColumn('resumed_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['edition_pauses', 'subscriber_events']) await db.schema.dropTable(table).execute();
}
