import type { Db } from '../store/database.ts';
import { toArticle } from './article.repository.ts';
import type { Article } from './article.ts';

/**
 * The feed's entries: every article that has entered the feed, in the order it entered
 * (`feed_seq`, one counter for the whole site), never by the date it claims. Archive pages are
 * runs of this order, so an article back-dated to 2023 lands after everything already there and
 * no full page shifts. An edited or restored article takes a new place (it re-enters the
 * subscription document); a deleted one keeps its old place, left out when a page is rendered.
 * Reads only: places are given by `assignFeedPlaces` (article.repository.ts, the one writer of
 * `articles`).
 */
export interface FeedEntry {
  seq: number;
  article: Article;
}

/** The newest `limit` visible entries, newest first: the subscription document. */
export async function listLatestFeedEntries(db: Db, options: { now: Date; limit: number }): Promise<FeedEntry[]> {
  const rows = await db
    .selectFrom('articles')
    .selectAll()
    .where('feed_seq', 'is not', null)
    .where('deleted_at', 'is', null)
    .where('published_at', '<=', options.now.toISOString())
    .orderBy('feed_seq', 'desc')
    .limit(options.limit)
    .execute();
  return rows.map((r) => ({ seq: r.feed_seq!, article: toArticle(r) }));
}

/** Entries with places `first`..`last`, oldest first, deleted articles included (their `deletedAt` is set). */
export async function listFeedEntriesBetween(db: Db, first: number, last: number): Promise<FeedEntry[]> {
  const rows = await db
    .selectFrom('articles')
    .selectAll()
    .where('feed_seq', '>=', first)
    .where('feed_seq', '<=', last)
    .orderBy('feed_seq', 'asc')
    .execute();
  return rows.map((r) => ({ seq: r.feed_seq!, article: toArticle(r) }));
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
