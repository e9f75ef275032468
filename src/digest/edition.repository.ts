import { sql, type Selectable } from 'kysely';
import { toArticle } from '../articles/article.repository.ts';
import type { Article } from '../articles/article.ts';
import type { Frequency } from '../config/config.schema.ts';
import type { Db, DeliveryStatus, EditionsTable } from '../store/database.ts';

/** SQL for editions and their delivery rows; the service above sees Edition and plain counts. */
export interface Edition {
  id: string;
  frequency: Frequency;
  periodKey: string;
  periodStart: Date;
  periodEnd: Date;
  createdAt: Date;
}

function toEdition(row: Selectable<EditionsTable>): Edition {
  return { id: row.id, frequency: row.frequency, periodKey: row.period_key, periodStart: new Date(row.period_start), periodEnd: new Date(row.period_end), createdAt: new Date(row.created_at) };
}

export async function findEdition(db: Db, id: string): Promise<Edition | undefined> {
  const row = await db.selectFrom('editions').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toEdition(row);
}

export async function findEditionByPeriod(db: Db, frequency: Frequency, periodKey: string): Promise<Edition | undefined> {
  const row = await db.selectFrom('editions').selectAll().where('frequency', '=', frequency).where('period_key', '=', periodKey).executeTakeFirst();
  return row && toEdition(row);
}

export async function listEditions(db: Db, options: { limit: number; frequency?: Frequency }): Promise<Edition[]> {
  let query = db.selectFrom('editions').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(options.limit);
  if (options.frequency) query = query.where('frequency', '=', options.frequency);
  return (await query.execute()).map(toEdition);
}

export async function findLatestEdition(db: Db, frequency: Frequency): Promise<Edition | undefined> {
  const row = await db.selectFrom('editions').selectAll().where('frequency', '=', frequency).orderBy('period_end', 'desc').limit(1).executeTakeFirst();
  return row && toEdition(row);
}

/**
 * Live articles not yet in any edition of `frequency` that were first ingested at or after
 * `since` (the mailing start) and are visible by `until`: ingested by then and published by
 * then. Together the two bounds say "visibleSince(article) <= until" (mail-eligibility.ts) in
 * plain comparisons, without date arithmetic that SQLite and PostgreSQL spell differently. Newest
 * first, the order digests list them in.
 */
export async function listUnmailedArticles(db: Db, frequency: Frequency, bounds: { since: Date; until: Date }): Promise<Article[]> {
  const until = bounds.until.toISOString();
  const rows = await db
    .selectFrom('articles')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('created_at', '>=', bounds.since.toISOString())
    .where('created_at', '<=', until)
    .where('published_at', '<=', until)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('edition_articles as ea').select('ea.article_id').whereRef('ea.article_id', '=', 'articles.id').where('ea.frequency', '=', frequency))))
    .orderBy('published_at', 'desc')
    .orderBy('slug', 'desc')
    .execute();
  return rows.map(toArticle);
}

export async function listEditionArticles(db: Db, editionId: string): Promise<Article[]> {
  const rows = await db.selectFrom('edition_articles as ea').innerJoin('articles', 'articles.id', 'ea.article_id').selectAll('articles').where('ea.edition_id', '=', editionId).orderBy('ea.position').execute();
  return rows.map(toArticle);
}

export async function insertEdition(db: Db, edition: Edition, articleIds: readonly string[]): Promise<void> {
  await db
    .insertInto('editions')
    .values({ id: edition.id, frequency: edition.frequency, period_key: edition.periodKey, period_start: edition.periodStart.toISOString(), period_end: edition.periodEnd.toISOString(), created_at: edition.createdAt.toISOString() })
    .execute();
  for (let i = 0; i < articleIds.length; i += 200) {
    const chunk = articleIds.slice(i, i + 200).map((articleId, j) => ({ edition_id: edition.id, article_id: articleId, frequency: edition.frequency, position: i + j }));
    await db.insertInto('edition_articles').values(chunk).execute();
  }
}

/**
 * One delivery row per confirmed subscriber of the frequency, in one INSERT … SELECT: the rows
 * never pass through JavaScript, so 100,000 subscribers cost one statement and no memory here.
 */
export async function insertEditionDeliveries(db: Db, edition: Edition, now: Date): Promise<number> {
  const at = now.toISOString();
  const result = await db
    .insertInto('deliveries')
    .columns(['id', 'edition_id', 'subscriber_id', 'kind', 'status', 'attempts', 'due_at', 'created_at', 'updated_at'])
    .expression(
      db
        .selectFrom('subscribers')
        .select([
          sql<string>`cast(${edition.id} as text) || ':' || id`.as('id'),
          sql<string>`cast(${edition.id} as text)`.as('edition_id'),
          'id as subscriber_id',
          sql<string>`'edition'`.as('kind'),
          sql<string>`'queued'`.as('status'),
          sql<number>`0`.as('attempts'),
          sql<string>`cast(${at} as text)`.as('due_at'),
          sql<string>`cast(${at} as text)`.as('created_at'),
          sql<string>`cast(${at} as text)`.as('updated_at'),
        ])
        .where('status', '=', 'confirmed')
        .where('frequency', '=', edition.frequency),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export async function countDeliveriesByStatus(db: Db, editionId: string): Promise<Record<DeliveryStatus, number>> {
  const rows = await db.selectFrom('deliveries').select(['status', (eb) => eb.fn.countAll<string | number>().as('n')]).where('edition_id', '=', editionId).groupBy('status').execute();
  const counts: Record<DeliveryStatus, number> = { queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

export interface UndeliveredRecipient {
  subscriberId: string;
  email: string | null;
  status: 'failed' | 'bounced';
  attempts: number;
  lastReply: string | null;
  nextAttemptAt: Date | null;
}

export async function listUndelivered(db: Db, editionId: string, limit: number): Promise<UndeliveredRecipient[]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .leftJoin('subscribers as s', 's.id', 'd.subscriber_id')
    .select(['d.subscriber_id', 's.email', 'd.status', 'd.attempts', 'd.last_reply', 'd.due_at'])
    .where('d.edition_id', '=', editionId)
    .where('d.status', 'in', ['failed', 'bounced'])
    .orderBy('d.status')
    .orderBy('s.email')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ subscriberId: r.subscriber_id, email: r.email, status: r.status as 'failed' | 'bounced', attempts: r.attempts, lastReply: r.last_reply, nextAttemptAt: r.due_at ? new Date(r.due_at) : null }));
}

/** Puts an edition's failed rows back in the queue with fresh attempts. Only `failed`: sent, bounced and skipped rows are never touched. */
export async function requeueFailed(db: Db, editionId: string, now: Date): Promise<number> {
  const at = now.toISOString();
  const result = await db.updateTable('deliveries').set({ status: 'queued', attempts: 0, due_at: at, updated_at: at }).where('edition_id', '=', editionId).where('status', '=', 'failed').executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Confirmed subscribers of a frequency: who an edition created now would reach. */
export async function countAudience(db: Db, frequency: Frequency): Promise<number> {
  const row = await db
    .selectFrom('subscribers')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('status', '=', 'confirmed')
    .where('frequency', '=', frequency)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
