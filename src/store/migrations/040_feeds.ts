import { sql, type Kysely } from 'kysely';

/**
 * The feed publisher asks for the latest deletion on every refresh (a feed that lost an article
 * changed then). Without an index that is a scan of the whole table, and since `deleted_at` sits
 * after the article body, through every body's overflow pages: 12 ms at 10,000 articles, the
 * one part of a rebuild that grew with the archive.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Partial: only deleted articles are in it, so queries for live articles (deleted_at IS NULL)
  // keep using the publication index instead of this one.
  await db.schema
    .createIndex('articles_deleted_idx')
    .on('articles')
    .column('deleted_at')
    .where(sql.ref('deleted_at'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('articles_deleted_idx').execute();
}
