import { sql, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { Frequency } from '../shared/frequency.ts';
import type { Database, Db, SubscribersTable } from '../store/database.ts';
import type { NewSubscriber, Subscriber, SubscriberStatus, SubscriberUpdate } from './subscriber.ts';
import { toColumns, toRow, toSubscriber } from './subscriber.table.ts';

/**
 * The only code that reads or writes the subscribers table: everything else, in this folder and
 * outside it, sees Subscriber (or the smaller shapes below) and never a column name.
 */

/** What the delivery engine needs to know about a subscriber, read just before each send. */
export type Recipient = Pick<Subscriber, 'id' | 'email' | 'name' | 'status' | 'frequency'>;

export async function findSubscriberById(db: Db, id: string): Promise<Subscriber | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toSubscriber(row);
}

export async function findSubscriberByEmailKey(db: Db, key: string): Promise<Subscriber | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('email_key', '=', key).executeTakeFirst();
  return row && toSubscriber(row);
}

/** Inserts subscribers whose address is not stored yet; returns the keys that were new. */
export async function insertSubscribersIfAbsent(db: Db, subscribers: readonly NewSubscriber[]): Promise<Set<string>> {
  if (subscribers.length === 0) return new Set();
  const inserted = await db
    .insertInto('subscribers')
    .values(subscribers.map(toRow))
    .onConflict((oc) => oc.column('email_key').doNothing())
    .returning('email_key')
    .execute();
  return new Set(inserted.map((r) => r.email_key));
}

export async function updateSubscriber(db: Db, id: string, update: SubscriberUpdate): Promise<boolean> {
  const result = await db.updateTable('subscribers').set(toColumns(update)).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes the subscriber row; the caller deletes the rows of other tables that point to it first. */
export async function deleteSubscriberRow(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('subscribers').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface SubscriberSearch {
  status?: SubscriberStatus;
  frequency?: Frequency;
  /** A piece of the address or the name, case-insensitive. */
  query?: string;
  limit: number;
  offset: number;
}

/** Newest first, with the total matching count for pagination. */
export async function searchSubscribers(db: Db, search: SubscriberSearch): Promise<{ total: number; items: Subscriber[] }> {
  let q = db.selectFrom('subscribers');
  if (search.status) q = q.where('status', '=', search.status);
  if (search.frequency) q = q.where('frequency', '=', search.frequency);
  if (search.query) {
    const pattern = `%${search.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // An explicit ESCAPE: SQLite has no default escape character for LIKE.
    q = q.where(sql<boolean>`(lower(email) like ${pattern} escape '\\' or lower(coalesce(name, '')) like ${pattern} escape '\\')`);
  }
  const counted = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(search.limit).offset(search.offset).execute();
  return { total: Number(counted.n), items: rows.map(toSubscriber) };
}

/** Every subscriber in creation order, read in batches so an export of any size holds one batch in memory. */
export async function* iterateSubscribers(db: Db, batchSize = 1000): AsyncGenerator<Subscriber> {
  let after: { created_at: string; id: string } | undefined;
  for (;;) {
    let q = db.selectFrom('subscribers').selectAll();
    if (after) {
      const { created_at, id } = after;
      q = q.where((eb) => eb.or([eb('created_at', '>', created_at), eb.and([eb('created_at', '=', created_at), eb('id', '>', id)])]));
    }
    const rows: Selectable<SubscribersTable>[] = await q.orderBy('created_at').orderBy('id').limit(batchSize).execute();
    for (const row of rows) yield toSubscriber(row);
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1]!;
    after = { created_at: last.created_at, id: last.id };
  }
}

export async function countSubscribersBy(db: Db, column: 'status' | 'frequency'): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('subscribers')
    .select([column, (eb) => eb.fn.countAll<string | number>().as('n')])
    .groupBy(column)
    .execute();
  return Object.fromEntries(rows.map((r) => [r[column], Number(r.n)]));
}

export async function findRecipient(db: Db, subscriberId: string): Promise<Recipient | undefined> {
  return db
    .selectFrom('subscribers')
    .select(['id', 'email', 'name', 'status', 'frequency'])
    .where('id', '=', subscriberId)
    .executeTakeFirst();
}

/** A permanent SMTP failure: the address takes no more mail until the subscriber signs up again. */
export async function markSubscriberBounced(db: Db, subscriberId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await db
    .updateTable('subscribers')
    .set({ status: 'bounced', bounced_at: at, updated_at: at })
    .where('id', '=', subscriberId)
    .where('status', 'in', ['pending', 'confirmed'])
    .execute();
}

/** An operator restores subscribers bounced by a reply that was the server's problem, not theirs. Only rows still `bounced` change. */
export async function restoreBouncedSubscribers(db: Db, subscriberIds: readonly string[], now: Date): Promise<string[]> {
  const at = now.toISOString();
  const restored: string[] = [];
  for (let i = 0; i < subscriberIds.length; i += 500) {
    const rows = await db
      .updateTable('subscribers')
      .set({ status: 'confirmed', bounced_at: null, updated_at: at })
      .where('id', 'in', subscriberIds.slice(i, i + 500))
      .where('status', '=', 'bounced')
      .returning('id')
      .execute();
    restored.push(...rows.map((r) => r.id));
  }
  return restored;
}

/**
 * The ids of the confirmed subscribers of a frequency (an edition's audience), as a query not yet
 * run: a caller uses it as a subquery, e.g. `selectFrom(selectAudienceIds(db, f).as('audience'))`
 * inside an INSERT … SELECT, so 100,000 ids never pass through JavaScript.
 */
export function selectAudienceIds(db: Db, frequency: Frequency): SelectQueryBuilder<Database, 'subscribers', { id: string }> {
  return db.selectFrom('subscribers').select('id').where('status', '=', 'confirmed').where('frequency', '=', frequency);
}

/** Confirmed subscribers of a frequency: who an edition created now would reach. */
export async function countAudience(db: Db, frequency: Frequency): Promise<number> {
  const row = await db
    .selectFrom('subscribers')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('status', '=', 'confirmed')
    .where('frequency', '=', frequency)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The address of each id still stored (a deleted subscriber's id is absent), 500 ids per query. */
export async function findEmailsByIds(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const emails = new Map<string, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom('subscribers')
      .select(['id', 'email'])
      .where('id', 'in', unique.slice(i, i + 500))
      .execute();
    for (const r of rows) emails.set(r.id, r.email);
  }
  return emails;
}

/** Which never-confirmed sign-ups a purge may delete: the filters a purge query needs, from the confirmations' owner. */
export interface NeverConfirmedFilter {
  /** A subscriber last changed before this (a new request changes it) … */
  updatedBefore: Date;
  /** … who asked to be confirmed (subquery of subscriber ids) … */
  requested: SelectQueryBuilder<Database, 'subscription_confirmations', { subscriber_id: string }>;
  /** … and whose links all expired before the cutoff (subquery of the ids with a later one). */
  stillOpen: SelectQueryBuilder<Database, 'subscription_confirmations', { subscriber_id: string }>;
}

/** Ids of pending subscribers who never confirmed and match the filter, at most `limit`. */
export async function listNeverConfirmedIds(db: Db, filter: NeverConfirmedFilter, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('subscribers')
    .select('id')
    .where('status', '=', 'pending')
    .where('confirmed_at', 'is', null)
    .where('updated_at', '<', filter.updatedBefore.toISOString())
    .where('id', 'in', filter.requested)
    .where('id', 'not in', filter.stillOpen)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Deletes those of `ids` that still match the filter (a sign-up in between changes
 * `updated_at`, and PostgreSQL re-checks a row it waited for); returns the ids deleted. The
 * caller deletes the rows of other tables that point to them, in the same transaction.
 */
export async function deleteNeverConfirmed(db: Db, ids: readonly string[], filter: NeverConfirmedFilter): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .deleteFrom('subscribers')
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .where('confirmed_at', 'is', null)
    .where('updated_at', '<', filter.updatedBefore.toISOString())
    .where('id', 'in', filter.requested)
    .where('id', 'not in', filter.stillOpen)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** How many subscribers reached a state on each UTC day since `since` ("2026-01-01" → n): the console's activity chart. */
export async function countSubscribersByDay(
  db: Db,
  column: 'created_at' | 'confirmed_at' | 'unsubscribed_at' | 'bounced_at',
  since: Date,
): Promise<Map<string, number>> {
  const day = sql<string>`substr(${sql.ref(column)}, 1, 10)`;
  const rows = await db
    .selectFrom('subscribers')
    .select([day.as('day'), (eb) => eb.fn.countAll<string | number>().as('n')])
    .where(column, '>=', since.toISOString())
    .groupBy(day)
    .execute();
  return new Map(rows.map((r) => [r.day, Number(r.n)]));
}

/** Subscribers by (status, frequency): the metrics' gauge, read at most every metrics.refreshSeconds. */
export async function countSubscribersByStatusAndFrequency(db: Db): Promise<{ status: string; frequency: string; count: number }[]> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['status', 'frequency', (eb) => eb.fn.countAll<string | number>().as('n')])
    .groupBy(['status', 'frequency'])
    .execute();
  return rows.map((r) => ({ status: r.status, frequency: r.frequency, count: Number(r.n) }));
}
