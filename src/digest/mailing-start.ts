import type { Db } from '../store/database.ts';
import { readOrInitSiteState, readSiteState } from '../store/site-state.repository.ts';

/**
 * The moment Gazette began mailing articles, shared by every frequency: articles first ingested
 * before it were already there when the site started (its back catalogue) and are mailed to
 * nobody. `gazette serve` marks it right after its first start-up ingest (the scan job queues
 * instant mail, which marks it); the first edition made any other way (CLI, tests) marks it too.
 */
const MAILING_START_KEY = 'mailing_since';

/** Records `now` as the mailing start unless one is already stored, and returns the stored one (first writer wins). */
export async function markMailingStart(db: Db, now: Date): Promise<Date> {
  return new Date(await readOrInitSiteState(db, MAILING_START_KEY, now.toISOString()));
}

/** The mailing start, or undefined before anything was ever mailed. */
export async function readMailingStart(db: Db): Promise<Date | undefined> {
  const value = await readSiteState(db, MAILING_START_KEY);
  return value === undefined ? undefined : new Date(value);
}
