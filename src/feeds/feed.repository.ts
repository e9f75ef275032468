import { toArticle } from '../articles/article.repository.ts';
import type { Article } from '../articles/article.ts';
import type { Db } from '../store/database.ts';

/**
 * Archive slots: every article whose publication time has come, deleted ones included, oldest
 * first. Archive pages are cut from this order in fixed-size runs. Deleted articles keep their
 * slot (and are left out when a page is rendered) so that unpublishing one article does not
 * shift every later article onto another page: full pages stay as they were.
 */
export async function countArchiveSlots(db: Db, now: Date): Promise<number> {
  const row = await db
    .selectFrom('articles')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('published_at', '<=', now.toISOString())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The slots `offset`..`offset + limit - 1`, oldest first, deleted articles included (their `deletedAt` is set). */
export async function listArchiveSlots(db: Db, options: { now: Date; offset: number; limit: number }): Promise<Article[]> {
  const rows = await db
    .selectFrom('articles')
    .selectAll()
    .where('published_at', '<=', options.now.toISOString())
    .orderBy('published_at', 'asc')
    .orderBy('slug', 'asc')
    .limit(options.limit)
    .offset(options.offset)
    .execute();
  return rows.map(toArticle);
}

/** When an article was last unpublished: a feed that lost an article changed then. */
export async function findLatestDeletion(db: Db): Promise<Date | undefined> {
  const row = await db
    .selectFrom('articles')
    .select((eb) => eb.fn.max('deleted_at').as('latest'))
    // Redundant for max(), but it lets the planner use the partial index of migration 040_feeds.
    .where('deleted_at', 'is not', null)
    .executeTakeFirst();
  return row?.latest ? new Date(row.latest) : undefined;
}
