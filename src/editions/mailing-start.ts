import type { Db } from '../store/database.ts';
import { readOrInitSiteState, readSiteState } from '../store/site-state.repository.ts';

/**
 * The moment Gazette began mailing articles, shared by every frequency: articles first ingested
 * before it were already there when the site started (its back catalogue) and are mailed to
 * nobody. The first instant run marks it: `gazette serve` makes one right after its start-up
 * ingest. Digests only read it; before it is marked (a `gazette digest send` before the site was
 * ever served) no article counts as back catalogue.
 */
const MAILING_START_KEY = 'mailing_since';

/** Records `now` as the mailing start unless one is already stored, and returns the stored one (first writer wins). */
export async function markMailingStart(db: Db, now: Date): Promise<Date> {
  return new Date(await readOrInitSiteState(db, MAILING_START_KEY, now.toISOString()));
}

/** The mailing start, or the epoch before it was marked (then nothing is back catalogue). */
export async function readMailingStart(db: Db): Promise<Date> {
  const value = await readSiteState(db, MAILING_START_KEY);
  return new Date(value ?? 0);
}
