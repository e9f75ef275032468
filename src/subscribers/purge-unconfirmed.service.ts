import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import type { Database, Db } from '../store/database.ts';
import {
  deleteConfirmationsOf,
  selectSubscribersWithConfirmations,
  selectSubscribersWithConfirmationsExpiringFrom,
} from './confirmation.repository.ts';
import { deleteNeverConfirmed, listNeverConfirmedIds, type NeverConfirmedFilter } from './subscriber.repository.ts';

export interface PurgeUnconfirmedDeps {
  db: Kysely<Database>;
  config: Config;
  /** Other capabilities' rows about a subscriber (the outbox, events), removed with them. */
  forgetSubscriber?: (db: Db, subscriberId: string) => Promise<void>;
}

const BATCH = 500;

/**
 * Deletes the sign-ups nobody confirmed, with the IP address and user agent their requests
 * recorded: pending subscribers never confirmed whose every confirmation link expired more than
 * `subscriptions.unconfirmedGraceHours` ago. They are not suppressed: they never agreed to
 * anything and may sign up again. A subscriber who once confirmed and is pending again (asked
 * to come back) is kept, and so is a pending import (no request, no IP: the operator's list).
 * Returns how many were deleted.
 */
export async function purgeUnconfirmed(deps: PurgeUnconfirmedDeps, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - deps.config.subscriptions.unconfirmedGraceHours * 3600_000);
  const filterFor = (db: Db): NeverConfirmedFilter => ({
    updatedBefore: cutoff,
    requested: selectSubscribersWithConfirmations(db),
    stillOpen: selectSubscribersWithConfirmationsExpiringFrom(db, cutoff),
  });
  let purged = 0;
  for (;;) {
    const candidates = await listNeverConfirmedIds(deps.db, filterFor(deps.db), BATCH);
    if (candidates.length === 0) break;
    const deleted = await deps.db.transaction().execute(async (trx) => {
      const ids = await deleteNeverConfirmed(trx, candidates, filterFor(trx));
      for (const id of ids) {
        await deleteConfirmationsOf(trx, id);
        await deps.forgetSubscriber?.(trx, id);
      }
      return ids.length;
    });
    purged += deleted;
    // A short batch was the last; an empty delete means the rest changed meanwhile (kept for the next run).
    if (candidates.length < BATCH || deleted === 0) break;
  }
  return purged;
}
