import type { Kysely } from 'kysely';

/**
 * Asynchronous delivery reports (bounces by mail or webhook, complaints, delivered notices):
 * one row per report ever seen, so each is applied once however often its source repeats it,
 * and so soft bounces can be counted per subscriber until a delivery resets them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('delivery_reports')
    // The source's own id (a DSN's Message-ID and recipient, an SNS MessageId): unique, so a report is applied once.
    .addColumn('report_id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text')
    // Null for a report about nobody we know (still kept, so it is not read again).
    .addColumn('subscriber_id', 'text')
    .addColumn('edition_id', 'text')
    // 'hard-bounce', 'soft-bounce', 'complaint', 'delivered', 'unsubscribe-request'.
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text')
    .addColumn('diagnostic', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  // Soft bounces are counted per subscriber since their last delivered report.
  await db.schema
    .createIndex('delivery_reports_subscriber_idx')
    .on('delivery_reports')
    .columns(['subscriber_id', 'kind', 'received_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('delivery_reports').execute();
}
