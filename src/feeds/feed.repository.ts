import { toArticle } from '../articles/article.repository.ts';
import type { Article } from '../articles/article.ts';
import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import { readSiteState, writeSiteState } from '../store/site-state.repository.ts';

/**
 * The feed's entries: every article that has entered the feed, in the order it entered
 * (`feed_seq`, one counter for the whole site), never by the date it claims. Archive pages are
 * runs of this order, so an article back-dated to 2023 lands after everything already there and
 * no full page shifts. An edited or restored article takes a new place (it re-enters the
 * subscription document); a deleted one keeps its old place, left out when a page is rendered.
 */
export interface FeedEntry {
  seq: number;
  article: Article;
}

const FEED_SEQ_LOCK_KEY = 'feed_seq_lock';
/**
 * The last place handed out. Kept apart from max(feed_seq): when the newest articles are edited
 * to a future date (back into embargo) they give up their places, and a maximum that fell
 * back would make a full page the newest one again, and change it.
 */
const FEED_SEQ_LAST_KEY = 'feed_seq_last';

/**
 * Gives a place to every visible article that has none (new, just out of embargo, edited or
 * restored), in date order within one call. Run inside a transaction (`trx`): the first write
 * serialises concurrent callers (a row lock on PostgreSQL, the write lock on SQLite), so two
 * instances never hand out one number twice. Returns how many articles entered the feed.
 */
export async function assignFeedPlaces(trx: Db, now: Date): Promise<number> {
  const waiting = () =>
    trx
      .selectFrom('articles')
      .select('id')
      .where('feed_seq', 'is', null)
      .where('deleted_at', 'is', null)
      .where('published_at', '<=', now.toISOString())
      .orderBy('published_at')
      .orderBy('slug');
  if ((await waiting().limit(1).execute()).length === 0) return 0;
  await writeSiteState(trx, FEED_SEQ_LOCK_KEY, now.toISOString());
  const ids = (await waiting().execute()).map((r) => r.id);
  const last = await findLastFeedPlace(trx);
  await writeSiteState(trx, FEED_SEQ_LAST_KEY, String(last + ids.length));
  // 500 rows a statement: a first ingest of 10,000 files costs 20 statements, not 10,000.
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const places = sql.join(chunk.map((id, j) => sql`WHEN ${id} THEN CAST(${last + i + j + 1} AS INTEGER)`), sql` `);
    await trx
      .updateTable('articles')
      .set({ feed_seq: sql<number>`CASE id ${places} END` })
      .where('id', 'in', chunk)
      .execute();
  }
  return ids.length;
}

/** The highest place ever handed out: the number of archive slots. It never goes down. */
export async function findLastFeedPlace(db: Db): Promise<number> {
  const [row, counter] = await Promise.all([
    db
      .selectFrom('articles')
      .select((eb) => eb.fn.max('feed_seq').as('last'))
      .executeTakeFirst(),
    readSiteState(db, FEED_SEQ_LAST_KEY),
  ]);
  // The maximum covers places given before the counter existed (migration 051 numbers them).
  return Math.max(Number(row?.last ?? 0), Number(counter ?? 0));
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
