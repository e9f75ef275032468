import type { Selectable, SelectQueryBuilder } from 'kysely';
import type { Frequency } from '../shared/frequency.ts';
import type { Database, Db, SubscriptionConfirmationsTable } from '../store/database.ts';

/**
 * The only code that reads or writes subscription_confirmations. A confirmation is usable while
 * `usedAt` is null and `expiresAt` is ahead.
 */

/** A confirmation mail's request: what it asked for, applied to the subscriber only once confirmed. */
export interface Confirmation {
  id: string;
  subscriberId: string;
  name: string | null;
  frequency: Frequency;
  /** Becomes the subscriber's consent, dated `createdAt`, once confirmed. */
  consent: { ip: string | null; userAgent: string | null; source: string; text: string };
  createdAt: Date;
  expiresAt: Date;
  /** Set when confirmed, or when a later confirmation or an unsubscribe made this one void. */
  usedAt: Date | null;
}

export async function insertConfirmation(db: Db, c: Confirmation): Promise<void> {
  await db
    .insertInto('subscription_confirmations')
    .values({
      id: c.id,
      subscriber_id: c.subscriberId,
      name: c.name,
      frequency: c.frequency,
      consent_ip: c.consent.ip,
      consent_user_agent: c.consent.userAgent,
      consent_source: c.consent.source,
      consent_text: c.consent.text,
      created_at: c.createdAt.toISOString(),
      expires_at: c.expiresAt.toISOString(),
      used_at: c.usedAt?.toISOString() ?? null,
    })
    .execute();
}

export async function findConfirmation(db: Db, id: string): Promise<Confirmation | undefined> {
  const row = await db.selectFrom('subscription_confirmations').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toConfirmation(row);
}

/** When the last confirmation mail for this subscriber was queued (for the per-address limit). */
export async function latestConfirmationAt(db: Db, subscriberId: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('subscription_confirmations')
    .select('created_at')
    .where('subscriber_id', '=', subscriberId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && new Date(row.created_at);
}

/**
 * Marks one confirmation used, only if nobody did first: of two concurrent confirmations of the
 * same link exactly one gets `true`.
 */
export async function markConfirmationUsed(db: Db, id: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('subscription_confirmations')
    .set({ used_at: at.toISOString() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Voids every open confirmation of a subscriber (after confirming or unsubscribing). */
export async function voidOpenConfirmations(db: Db, subscriberId: string, at: Date): Promise<void> {
  await db
    .updateTable('subscription_confirmations')
    .set({ used_at: at.toISOString() })
    .where('subscriber_id', '=', subscriberId)
    .where('used_at', 'is', null)
    .execute();
}

/** A subscriber's confirmations, oldest first: what "download my data" shows. */
export async function listConfirmationsOf(db: Db, subscriberId: string): Promise<Confirmation[]> {
  const rows = await db
    .selectFrom('subscription_confirmations')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .orderBy('created_at')
    .execute();
  return rows.map(toConfirmation);
}

/**
 * A subscriber is being deleted: their confirmations go first. The foreign key would cascade as
 * well; deleting them here says so where "delete my data" is done, without relying on the schema.
 */
export async function deleteConfirmationsOf(db: Db, subscriberId: string): Promise<void> {
  await db.deleteFrom('subscription_confirmations').where('subscriber_id', '=', subscriberId).execute();
}

/** Subscriber ids as a subquery (`select subscriber_id …`), for the subscribers table to filter by. */
export type ConfirmationSubscriberQuery = SelectQueryBuilder<Database, 'subscription_confirmations', { subscriber_id: string }>;

/** Subscribers with any confirmation request, as a subquery: they signed up (an import without consent has none). */
export function selectSubscribersWithConfirmations(db: Db): ConfirmationSubscriberQuery {
  return db.selectFrom('subscription_confirmations').select('subscriber_id');
}

/** Subscribers with a confirmation link expiring at or after `cutoff`, as a subquery: not to be purged yet. */
export function selectSubscribersWithConfirmationsExpiringFrom(db: Db, cutoff: Date): ConfirmationSubscriberQuery {
  return db.selectFrom('subscription_confirmations').select('subscriber_id').where('expires_at', '>=', cutoff.toISOString());
}

function toConfirmation(row: Selectable<SubscriptionConfirmationsTable>): Confirmation {
  return {
    id: row.id,
    subscriberId: row.subscriber_id,
    name: row.name,
    frequency: row.frequency,
    consent: { ip: row.consent_ip, userAgent: row.consent_user_agent, source: row.consent_source, text: row.consent_text },
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    usedAt: row.used_at ? new Date(row.used_at) : null,
  };
}
