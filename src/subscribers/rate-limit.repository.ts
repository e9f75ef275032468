import type { Db } from '../store/database.ts';

/**
 * Fixed-window counters in the store, so that every instance on one database counts together.
 * `hit` increments atomically (an upsert) and returns the count including this hit.
 */
export async function hitRateLimit(db: Db, key: string, windowStart: string): Promise<number> {
  const row = await db
    .insertInto('rate_limit_counters')
    .values({ key, window_start: windowStart, hits: 1 })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet((eb) => ({ hits: eb('rate_limit_counters.hits', '+', 1) })))
    .returning('hits')
    .executeTakeFirstOrThrow();
  return Number(row.hits);
}

/** Forgets windows that ended before `before`; called when a new window opens, so the table stays small. */
export async function pruneRateLimits(db: Db, before: string): Promise<void> {
  await db.deleteFrom('rate_limit_counters').where('window_start', '<', before).execute();
}

/** The count of one window without adding to it (0 when the window has no row). */
export async function countRateLimitHits(db: Db, key: string, windowStart: string): Promise<number> {
  const row = await db
    .selectFrom('rate_limit_counters')
    .select('hits')
    .where('key', '=', key)
    .where('window_start', '=', windowStart)
    .executeTakeFirst();
  return row ? Number(row.hits) : 0;
}
