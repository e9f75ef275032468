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

/**
 * Keys of day-long windows start with this. The other limiters count over an hour at most and
 * prune what started before their previous window; a day window is left until its day is over.
 */
export const DAY_WINDOW_KEY_PREFIX = 'day:';
const DAY_MS = 24 * 3600_000;

/** Forgets windows that ended before `before`; called when a new window opens, so the table stays small. */
export async function pruneRateLimits(db: Db, before: string): Promise<void> {
  const dayWindowsBefore = new Date(Date.parse(before) - DAY_MS).toISOString();
  await db
    .deleteFrom('rate_limit_counters')
    .where('window_start', '<', before)
    .where((eb) => eb.or([eb('key', 'not like', `${DAY_WINDOW_KEY_PREFIX}%`), eb('window_start', '<', dayWindowsBefore)]))
    .execute();
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
