import { sql, type Insertable, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { ArticlesTable, Database, Db } from '../store/database.ts';
import { readSiteState, writeSiteState } from '../store/site-state.repository.ts';
import type { Article } from './article.ts';

/**
 * SQL for articles stays here (seed files: seed-file.repository.ts); everything else sees Article. The one writer of
 * `articles` (feed-entry.repository.ts reads them in feed order).
 */

export function toArticle(row: Selectable<ArticlesTable>): Article {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    summary: row.summary,
    paragraphs: row.body === '' ? [] : row.body.split('\n\n'),
    sourceFile: row.source_file,
    publishedAt: new Date(row.published_at),
    createdAt: new Date(row.created_at),
    updatedAt: row.updated_at ? new Date(row.updated_at) : null,
    deletedAt: row.deleted_at ? new Date(row.deleted_at) : null,
  };
}

/** Any article with this slug, deleted and embargoed ones included: the caller decides what to show. */
export async function findArticleBySlug(db: Db, slug: string): Promise<Article | undefined> {
  const row = await db.selectFrom('articles').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row && toArticle(row);
}

/** Published (not embargoed, not deleted) articles, newest first. */
export async function listPublishedArticles(db: Db, options: { now: Date; limit: number; offset?: number }): Promise<Article[]> {
  const rows = await db
    .selectFrom('articles')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('published_at', '<=', options.now.toISOString())
    .orderBy('published_at', 'desc')
    .orderBy('slug', 'desc')
    .limit(options.limit)
    .offset(options.offset ?? 0)
    .execute();
  return rows.map(toArticle);
}

export async function countPublishedArticles(db: Db, now: Date): Promise<number> {
  const row = await db
    .selectFrom('articles')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('deleted_at', 'is', null)
    .where('published_at', '<=', now.toISOString())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The earliest embargo still in the future, so caches know when their content changes by itself. */
export async function findNextEmbargoEnd(db: Db, now: Date): Promise<Date | undefined> {
  const row = await db
    .selectFrom('articles')
    .select((eb) => eb.fn.min('published_at').as('next'))
    .where('deleted_at', 'is', null)
    .where('published_at', '>', now.toISOString())
    .executeTakeFirst();
  return row?.next ? new Date(row.next) : undefined;
}

export async function listLiveArticleOwners(
  db: Db,
): Promise<{ slug: string; sourceFile: string; contentHash: string; deleted: boolean }[]> {
  const rows = await db.selectFrom('articles').select(['slug', 'source_file', 'content_hash', 'deleted_at']).execute();
  return rows.map((r) => ({ slug: r.slug, sourceFile: r.source_file, contentHash: r.content_hash, deleted: r.deleted_at !== null }));
}

export interface ArticleWrite {
  slug: string;
  title: string;
  summary: string;
  paragraphs: readonly string[];
  sourceFile: string;
  contentHash: string;
  publishedAt: Date;
}

/** The columns a seed file determines, shared by insert and update. */
function contentColumns(
  article: ArticleWrite,
): Pick<Insertable<ArticlesTable>, 'title' | 'summary' | 'body' | 'source_file' | 'content_hash' | 'published_at'> {
  return {
    title: article.title,
    summary: article.summary,
    body: article.paragraphs.join('\n\n'),
    source_file: article.sourceFile,
    content_hash: article.contentHash,
    published_at: article.publishedAt.toISOString(),
  };
}

function toArticleRow(id: string, article: ArticleWrite, now: Date): Insertable<ArticlesTable> {
  return { id, slug: article.slug, ...contentColumns(article), created_at: now.toISOString(), updated_at: null, deleted_at: null };
}

export async function insertArticle(db: Db, id: string, article: ArticleWrite, now: Date): Promise<void> {
  await db
    .insertInto('articles')
    .values(toArticleRow(id, article, now))
    .execute();
}

/** Inserts many new articles with one statement per 500 rows. */
export async function insertArticles(db: Db, articles: readonly { id: string; article: ArticleWrite }[], now: Date): Promise<void> {
  for (let i = 0; i < articles.length; i += 500) {
    await db
      .insertInto('articles')
      .values(articles.slice(i, i + 500).map(({ id, article }) => toArticleRow(id, article, now)))
      .execute();
  }
}

/**
 * Rewrites an article from its file; `updatedAt` moves only when the text changed. An article
 * whose text changed or that comes back from deletion (`reentersFeed`) leaves its place in the
 * feed and takes a new one at the next render (`assignFeedPlaces`).
 */
export async function updateArticle(
  db: Db,
  article: ArticleWrite,
  changedAt: Date | null,
  reentersFeed = changedAt !== null,
): Promise<void> {
  await db
    .updateTable('articles')
    .set({
      ...contentColumns(article),
      deleted_at: null,
      ...(changedAt ? { updated_at: changedAt.toISOString() } : {}),
      ...(reentersFeed ? { feed_seq: null } : {}),
    })
    .where('slug', '=', article.slug)
    .execute();
}

export async function markArticlesDeleted(db: Db, slugs: readonly string[], now: Date): Promise<void> {
  for (let i = 0; i < slugs.length; i += 500) {
    await db
      .updateTable('articles')
      .set({ deleted_at: now.toISOString() })
      .where('slug', 'in', slugs.slice(i, i + 500))
      .where('deleted_at', 'is', null)
      .execute();
  }
}

const FEED_SEQ_LOCK_KEY = 'feed_seq_lock';
/**
 * The last place handed out. Kept apart from max(feed_seq): when the newest articles are edited
 * to a future date (back into embargo) they give up their places, and a maximum that fell
 * back would make a full page the newest one again, and change it.
 */
const FEED_SEQ_LAST_KEY = 'feed_seq_last';

/**
 * Gives a feed place (`feed_seq`, see feed-entry.repository.ts) to every visible article that has
 * none (new, just out of embargo, edited or restored), in date order within one call. Run inside
 * a transaction (`trx`): the first write serialises concurrent callers (a row lock on PostgreSQL,
 * the write lock on SQLite), so two instances never hand out one number twice. Returns how many
 * articles entered the feed.
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
    const places = sql.join(
      chunk.map((id, j) => sql`WHEN ${id} THEN CAST(${last + i + j + 1} AS INTEGER)`),
      sql` `,
    );
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

/** Article ids as a subquery (`select article_id …`), chosen by the capability that knows why to leave them out. */
export type ArticleIdQuery = SelectQueryBuilder<Database, keyof Database, { article_id: string }>;

/**
 * Live articles first ingested at or after `since` and visible by `until` (ingested by then and
 * published by then), except those `excluding` names. Together the two bounds say
 * "visibleSince(article) <= until" in plain comparisons, without date arithmetic that SQLite
 * and PostgreSQL spell differently. Newest first.
 */
export async function listArticlesVisibleBetween(
  db: Db,
  bounds: { since: Date; until: Date; excluding: ArticleIdQuery },
): Promise<Article[]> {
  const until = bounds.until.toISOString();
  const rows = await db
    .selectFrom('articles')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('created_at', '>=', bounds.since.toISOString())
    .where('created_at', '<=', until)
    .where('published_at', '<=', until)
    .where('id', 'not in', bounds.excluding)
    .orderBy('published_at', 'desc')
    .orderBy('slug', 'desc')
    .execute();
  return rows.map(toArticle);
}

/** These articles (deleted ones included), in the order of `ids`. */
export async function findArticlesByIds(db: Db, ids: readonly string[]): Promise<Article[]> {
  const found = new Map<string, Article>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('articles')
      .selectAll()
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const row of rows) found.set(row.id, toArticle(row));
  }
  return ids.flatMap((id) => found.get(id) ?? []);
}

/** Every article for the console, whatever its state (published, embargoed, deleted), newest publication first. */
export async function listAllArticles(db: Db, limit: number): Promise<{ total: number; articles: Article[] }> {
  const counted = await db
    .selectFrom('articles')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await db.selectFrom('articles').selectAll().orderBy('published_at', 'desc').orderBy('slug').limit(limit).execute();
  return { total: Number(counted.n), articles: rows.map(toArticle) };
}
