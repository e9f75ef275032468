import type { Db } from '../store/database.ts';

/**
 * What every instance must agree on about a served feed document, kept in the store: the hash
 * of its current bytes with their Last-Modified, and, once an archive page is full, its bytes.
 */

export interface StoredValidators {
  hash: string;
  lastModified: Date;
}

/**
 * The Last-Modified of `path` now serving bytes with `hash`. The same bytes keep the value first
 * recorded, whichever instance asks and however often it restarts; new bytes get a later one:
 * `candidate` (when the content last changed), or one second past the previous value when that
 * would not move it (a configuration change, a revert to older bytes). Readers that send only
 * If-Modified-Since therefore see every change, and a wrong 304 never happens.
 */
export async function settleLastModified(db: Db, path: string, hash: string, candidate: Date): Promise<Date> {
  for (let attempt = 0; ; attempt++) {
    const row = await db.selectFrom('feed_documents').select(['hash', 'last_modified']).where('path', '=', path).executeTakeFirst();
    if (row?.hash === hash) return new Date(row.last_modified);
    const seconds = Math.floor(candidate.getTime() / 1000) * 1000;
    const previous = row ? new Date(row.last_modified).getTime() : -Infinity;
    const lastModified = new Date(seconds > previous ? seconds : previous + 1000).toISOString();
    // Conditional on what was read: of two instances racing, one writes and the other reads its value.
    const written = row
      ? await db
          .updateTable('feed_documents')
          .set({ hash, last_modified: lastModified })
          .where('path', '=', path)
          .where('hash', '=', row.hash)
          .where('body', 'is', null)
          .executeTakeFirst()
      : await db
          .insertInto('feed_documents')
          .values({ path, hash, last_modified: lastModified, body: null })
          .onConflict((oc) => oc.column('path').doNothing())
          .executeTakeFirst();
    const count = 'numUpdatedRows' in written ? written.numUpdatedRows : (written.numInsertedOrUpdatedRows ?? 0n);
    if (count > 0n) return new Date(lastModified);
    // Lost a race, or the path is a frozen page: go round once more and take what is stored.
    if (attempt >= 3) return new Date(lastModified);
  }
}

export interface FrozenPage {
  body: string;
  lastModified: Date;
}

/** The bytes a full archive page was first served with, if it has been. */
export async function findFrozenPage(db: Db, path: string): Promise<FrozenPage | undefined> {
  const row = await db
    .selectFrom('feed_documents')
    .select(['body', 'last_modified'])
    .where('path', '=', path)
    .where('body', 'is not', null)
    .executeTakeFirst();
  return row ? { body: row.body!, lastModified: new Date(row.last_modified) } : undefined;
}

/**
 * Freezes a full archive page with these bytes unless it is frozen already, and returns the
 * frozen version: the first instance to serve the page decides its bytes for every instance.
 */
export async function freezePage(db: Db, path: string, page: FrozenPage & { hash: string }): Promise<FrozenPage> {
  const values = { path, hash: page.hash, last_modified: page.lastModified.toISOString(), body: page.body };
  await db
    .insertInto('feed_documents')
    .values(values)
    .onConflict((oc) => oc.column('path').doNothing())
    .execute();
  await db.updateTable('feed_documents').set(values).where('path', '=', path).where('body', 'is', null).execute();
  return (await findFrozenPage(db, path))!;
}
