import { sql, type Kysely } from 'kysely';

/**
 * RFC 5005 archive pages ordered by when an article entered the feed, not by the date it claims,
 * so a back-dated article cannot shift full pages; and the feed documents' validators kept in
 * the store, shared by every instance.
 *
 * - `articles.feed_seq`: the article's place in the feed, from one counter; given when it
 *   becomes visible, and again when its text changes or it comes back after a deletion (then it
 *   re-enters the subscription document). Null while it is embargoed or since an edit not yet
 *   placed.
 * - `feed_documents`: per served path, the hash of the bytes last served and their Last-Modified;
 *   for a full archive page, also its bytes as first served (`body`), which never change again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('articles').addColumn('feed_seq', 'integer').execute();
  // Articles already published keep the places they had (oldest first, deleted ones included),
  // so archive pages readers cached before the upgrade keep their articles. The wall clock here
  // is the upgrade's moment; embargoed articles get their place when their time comes.
  const now = new Date().toISOString();
  await sql`
    UPDATE articles SET feed_seq = (
      SELECT r.n FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY published_at, slug) AS n FROM articles WHERE published_at <= ${now}) r
      WHERE r.id = articles.id
    )
    WHERE published_at <= ${now}
  `.execute(db);
  await db.schema.createIndex('articles_feed_seq_idx').on('articles').column('feed_seq').unique().execute();

  await db.schema
    .createTable('feed_documents')
    .addColumn('path', 'text', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('feed_documents').execute();
  await db.schema.dropIndex('articles_feed_seq_idx').execute();
  await db.schema.alterTable('articles').dropColumn('feed_seq').execute();
}
