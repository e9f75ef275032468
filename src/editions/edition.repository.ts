import type { Selectable } from 'kysely';
import type { Frequency } from '../shared/frequency.ts';
import type { Db, EditionsTable } from '../store/database.ts';

/** SQL for editions and edition_articles (their delivery rows are the outbox's); the services above see Edition. */
export interface Edition {
  id: string;
  frequency: Frequency;
  periodKey: string;
  periodStart: Date;
  periodEnd: Date;
  createdAt: Date;
}

function toEdition(row: Selectable<EditionsTable>): Edition {
  return {
    id: row.id,
    frequency: row.frequency,
    periodKey: row.period_key,
    periodStart: new Date(row.period_start),
    periodEnd: new Date(row.period_end),
    createdAt: new Date(row.created_at),
  };
}

export async function findEdition(db: Db, id: string): Promise<Edition | undefined> {
  const row = await db.selectFrom('editions').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toEdition(row);
}

export async function findEditionByPeriod(db: Db, frequency: Frequency, periodKey: string): Promise<Edition | undefined> {
  const row = await db
    .selectFrom('editions')
    .selectAll()
    .where('frequency', '=', frequency)
    .where('period_key', '=', periodKey)
    .executeTakeFirst();
  return row && toEdition(row);
}

export async function listEditions(db: Db, options: { limit: number; frequency?: Frequency }): Promise<Edition[]> {
  let query = db.selectFrom('editions').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(options.limit);
  if (options.frequency) query = query.where('frequency', '=', options.frequency);
  return (await query.execute()).map(toEdition);
}

export async function findLatestEdition(db: Db, frequency: Frequency): Promise<Edition | undefined> {
  const row = await db
    .selectFrom('editions')
    .selectAll()
    .where('frequency', '=', frequency)
    .orderBy('period_end', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toEdition(row);
}

/** The ids of the articles an edition of `frequency` already carried, as a subquery. */
export function selectMailedArticleIds(db: Db, frequency: Frequency) {
  return db.selectFrom('edition_articles').select('article_id').where('frequency', '=', frequency);
}

/** The edition's article ids in the order the mail lists them. */
export async function listEditionArticleIds(db: Db, editionId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('edition_articles')
    .select('article_id')
    .where('edition_id', '=', editionId)
    .orderBy('position')
    .execute();
  return rows.map((r) => r.article_id);
}

export async function insertEdition(db: Db, edition: Edition, articleIds: readonly string[]): Promise<void> {
  await db
    .insertInto('editions')
    .values({
      id: edition.id,
      frequency: edition.frequency,
      period_key: edition.periodKey,
      period_start: edition.periodStart.toISOString(),
      period_end: edition.periodEnd.toISOString(),
      created_at: edition.createdAt.toISOString(),
    })
    .execute();
  for (let i = 0; i < articleIds.length; i += 200) {
    const chunk = articleIds
      .slice(i, i + 200)
      .map((articleId, j) => ({ edition_id: edition.id, article_id: articleId, frequency: edition.frequency, position: i + j }));
    await db.insertInto('edition_articles').values(chunk).execute();
  }
}
