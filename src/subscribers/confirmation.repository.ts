import type { Insertable, Selectable } from 'kysely';
import type { Db, SubscriptionConfirmationsTable } from '../store/database.ts';

/** SQL for confirmation rows. A row is usable while `used_at` is null and `expires_at` is ahead. */

export type ConfirmationRow = Selectable<SubscriptionConfirmationsTable>;

export async function insertConfirmation(db: Db, row: Insertable<SubscriptionConfirmationsTable>): Promise<void> {
  await db.insertInto('subscription_confirmations').values(row).execute();
}

export async function findConfirmation(db: Db, id: string): Promise<ConfirmationRow | undefined> {
  return db.selectFrom('subscription_confirmations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** When the last confirmation mail for this subscriber was queued (for the per-address limit). */
export async function latestConfirmationAt(db: Db, subscriberId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('subscription_confirmations')
    .select('created_at')
    .where('subscriber_id', '=', subscriberId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at;
}

/**
 * Marks one row used, only if nobody did first: of two concurrent confirmations of the same
 * link exactly one gets `true`.
 */
export async function markConfirmationUsed(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db.updateTable('subscription_confirmations').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Voids every open confirmation of a subscriber (after confirming or unsubscribing). */
export async function voidOpenConfirmations(db: Db, subscriberId: string, at: string): Promise<void> {
  await db.updateTable('subscription_confirmations').set({ used_at: at }).where('subscriber_id', '=', subscriberId).where('used_at', 'is', null).execute();
}

/** What "download my data" shows of the confirmation requests: everything but the ids that make links. */
export async function listConfirmationsOf(db: Db, subscriberId: string): Promise<ConfirmationRow[]> {
  return db.selectFrom('subscription_confirmations').selectAll().where('subscriber_id', '=', subscriberId).orderBy('created_at').execute();
}
