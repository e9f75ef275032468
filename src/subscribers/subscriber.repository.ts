import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Frequency } from '../config/config.schema.ts';
import type { Db, SubscribersTable } from '../store/database.ts';
import { toSubscriber, type Subscriber, type SubscriberStatus } from './subscriber.ts';

/** SQL for subscribers stays here; everything else sees Subscriber. */

export type NewSubscriberRow = Insertable<SubscribersTable>;

export async function findSubscriberById(db: Db, id: string): Promise<Subscriber | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toSubscriber(row);
}

export async function findSubscriberByEmailKey(db: Db, key: string): Promise<Subscriber | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('email_key', '=', key).executeTakeFirst();
  return row && toSubscriber(row);
}

/** Inserts rows whose address is not stored yet; returns the keys that were new. */
export async function insertSubscribersIfAbsent(db: Db, rows: NewSubscriberRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db
    .insertInto('subscribers')
    .values(rows)
    .onConflict((oc) => oc.column('email_key').doNothing())
    .returning('email_key')
    .execute();
  return new Set(inserted.map((r) => r.email_key));
}

export async function updateSubscriber(db: Db, id: string, changes: Updateable<SubscribersTable>): Promise<boolean> {
  const result = await db.updateTable('subscribers').set(changes).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes the subscriber; its confirmation rows go with it (foreign key, on delete cascade). */
export async function deleteSubscriberRow(db: Db, id: string): Promise<boolean> {
  await db.deleteFrom('subscription_confirmations').where('subscriber_id', '=', id).execute();
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

/** What the delivery engine needs to know about a subscriber, read just before each send. */
export interface Recipient {
  id: string;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  frequency: Frequency;
}

export async function findRecipient(db: Db, subscriberId: string): Promise<Recipient | undefined> {
  return db.selectFrom('subscribers').select(['id', 'email', 'name', 'status', 'frequency']).where('id', '=', subscriberId).executeTakeFirst();
}

/** A permanent SMTP failure: the address takes no more mail until the subscriber signs up again. */
export async function markSubscriberBounced(db: Db, subscriberId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await db.updateTable('subscribers').set({ status: 'bounced', bounced_at: at, updated_at: at }).where('id', '=', subscriberId).where('status', 'in', ['pending', 'confirmed']).execute();
}

/** An operator restores subscribers bounced by a reply that was the server's problem, not theirs. Only rows still `bounced` change. */
export async function restoreBouncedSubscribers(db: Db, subscriberIds: readonly string[], now: Date): Promise<string[]> {
  const at = now.toISOString();
  const restored: string[] = [];
  for (let i = 0; i < subscriberIds.length; i += 500) {
    const rows = await db.updateTable('subscribers').set({ status: 'confirmed', bounced_at: null, updated_at: at }).where('id', 'in', subscriberIds.slice(i, i + 500)).where('status', '=', 'bounced').returning('id').execute();
    restored.push(...rows.map((r) => r.id));
  }
  return restored;
}

/** The ids of the confirmed subscribers of a frequency, as a subquery: who an edition made now reaches. */
export function selectAudienceIds(db: Db, frequency: Frequency) {
  return db.selectFrom('subscribers').select('id').where('status', '=', 'confirmed').where('frequency', '=', frequency);
}

/** Confirmed subscribers of a frequency: who an edition created now would reach. */
export async function countAudience(db: Db, frequency: Frequency): Promise<number> {
  const row = await db.selectFrom('subscribers').select((eb) => eb.fn.countAll<string | number>().as('n')).where('status', '=', 'confirmed').where('frequency', '=', frequency).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The addresses of these subscribers (the deleted ones are missing from the map). */
export async function findEmailsByIds(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const emails = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('subscribers').select(['id', 'email']).where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) emails.set(r.id, r.email);
  }
  return emails;
}
