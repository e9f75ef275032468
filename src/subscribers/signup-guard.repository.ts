import type { Db } from '../store/database.ts';

/**
 * The used form stamps and solved proofs (`form_stamps`) and the count of refused sign-ups
 * (`signup_refusals`). Every instance on one database sees the same rows, so a stamp is good for
 * one sign-up whichever instance takes it.
 */

/** Records `stamp` as used until `expiresAt`; false when it was already used (a replay). */
export async function useStampOnce(db: Db, stamp: string, expiresAt: Date, now: Date): Promise<boolean> {
  // Expired rows can go: a stamp past its expiry is refused on its age before it gets here.
  await db.deleteFrom('form_stamps').where('expires_at', '<', now.toISOString()).execute();
  const inserted = await db
    .insertInto('form_stamps')
    .values({ stamp, expires_at: expiresAt.toISOString() })
    .onConflict((oc) => oc.column('stamp').doNothing())
    .returning('stamp')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Adds one refused sign-up to the day's count for `reason`. */
export async function countSignupRefusal(db: Db, reason: string, now: Date): Promise<void> {
  await db
    .insertInto('signup_refusals')
    .values({ day: now.toISOString().slice(0, 10), reason, hits: 1 })
    .onConflict((oc) => oc.columns(['day', 'reason']).doUpdateSet((eb) => ({ hits: eb('signup_refusals.hits', '+', 1) })))
    .execute();
}

/** Refused sign-ups per reason since `sinceDay` (YYYY-MM-DD, UTC), for the admin stats. */
export async function sumSignupRefusals(db: Db, sinceDay: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('signup_refusals')
    .select((eb) => ['reason', eb.fn.sum<number>('hits').as('hits')])
    .where('day', '>=', sinceDay)
    .groupBy('reason')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.hits)]));
}
