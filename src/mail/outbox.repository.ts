import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database, Db, DeliveriesTable, DeliveryStatus } from '../store/database.ts';
import { canSkipLockedRows } from '../store/row-locks.ts';

/**
 * SQL for the outbox: the only module that writes `deliveries`. Every state change after a claim
 * names the lease token, so a worker whose lease expired (and whose rows another worker took
 * over) cannot overwrite their outcome. A row's `recipientId` (the subscriber_id column) and
 * `editionId` are keys of other capabilities; the outbox only stores and groups by them.
 */
export interface ClaimedDelivery {
  id: string;
  editionId: string | null;
  kind: DeliveriesTable['kind'];
  params: Readonly<Record<string, string>>;
  attempts: number;
  recipientId: string;
  leaseToken: string;
}

export interface OutboxInsert {
  id: string;
  recipientId: string;
  kind: 'confirmation' | 'welcome' | 'manage';
  params: Readonly<Record<string, string>>;
  now: Date;
}

/** Idempotent by id: the second insert of the same key changes nothing. */
export async function insertTransactional(db: Db, row: OutboxInsert): Promise<void> {
  const now = row.now.toISOString();
  await db
    .insertInto('deliveries')
    .values({
      id: row.id,
      edition_id: null,
      subscriber_id: row.recipientId,
      kind: row.kind,
      params: JSON.stringify(row.params),
      status: 'queued',
      due_at: now,
      lease_token: null,
      last_reply: null,
      created_at: now,
      updated_at: now,
      sent_at: null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

// Written literally (not as bound parameters) so that SQLite uses the partial index deliveries_due_idx.
const HAS_WORK_LEFT = sql<boolean>`status in ('queued', 'failed', 'sending')`;

/** Rows of an edition the bounce circuit breaker stopped stay queued until an operator resumes it. */
const NOT_IN_PAUSED_EDITION = sql<boolean>`(edition_id is null or not exists (select 1 from edition_pauses p where p.edition_id = deliveries.edition_id and p.resumed_at is null))`;

/**
 * Takes up to `limit` rows that are due (queued, failed and due for retry, or sending with an
 * expired lease) and leases them until `leaseUntil`, in one statement:
 * WITH due AS MATERIALIZED (SELECT id … LIMIT n) UPDATE … WHERE id IN (SELECT id FROM due).
 * The outer WHERE repeats the due condition, so a row is never taken twice: on SQLite writers
 * take turns; on PostgreSQL a second claimer that waited on a row re-reads it and drops it.
 * On PostgreSQL the CTE also says FOR UPDATE SKIP LOCKED, so several instances claiming at once
 * each get different rows instead of queueing behind one another and coming back empty.
 * MATERIALIZED matters there: as a plain `IN (subquery)` PostgreSQL 15 may rescan the locking
 * subquery, which then skips the rows it just locked and returns more: a claim of 5 took 10.
 * A row whose lease expired (its worker died) is due again and is reclaimed the same way.
 * Rows of a paused edition (edition_pauses) are not due.
 */
export async function claimDueDeliveries(
  db: Db,
  options: { now: Date; leaseUntil: Date; token: string; limit: number },
): Promise<ClaimedDelivery[]> {
  const now = options.now.toISOString();
  await db
    .with(
      (cte) => cte('due').materialized(),
      (qb) =>
        qb
          .selectFrom('deliveries')
          .select('id')
          .where(HAS_WORK_LEFT)
          .where('due_at', '<=', now)
          .where(NOT_IN_PAUSED_EDITION)
          .orderBy('due_at')
          .limit(options.limit)
          .$if(canSkipLockedRows(db), (locking) => locking.forUpdate().skipLocked()),
    )
    .updateTable('deliveries')
    .set({ status: 'sending', lease_token: options.token, due_at: options.leaseUntil.toISOString(), updated_at: now })
    .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
    .where(HAS_WORK_LEFT)
    .where('due_at', '<=', now)
    .execute();
  const rows = await db
    .selectFrom('deliveries')
    .select(['id', 'edition_id', 'kind', 'params', 'attempts', 'subscriber_id'])
    .where('lease_token', '=', options.token)
    .where('status', '=', 'sending')
    .orderBy('edition_id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    editionId: r.edition_id,
    kind: r.kind,
    params: r.params ? (JSON.parse(r.params) as Record<string, string>) : {},
    attempts: r.attempts,
    recipientId: r.subscriber_id,
    leaseToken: options.token,
  }));
}

type Outcome =
  | { status: 'sent'; reply: string }
  | { status: 'failed'; reply: string; nextAttemptAt: Date | null }
  | { status: 'bounced'; reply: string }
  | { status: 'skipped'; reply: string }
  /** Back to the queue without counting an attempt: the transport, not the message, failed. */
  | { status: 'queued'; reply: string; nextAttemptAt: Date };

export async function recordOutcome(
  db: Db,
  claimed: Pick<ClaimedDelivery, 'id' | 'leaseToken'>,
  outcome: Outcome,
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  const base = { status: outcome.status, lease_token: null, last_reply: outcome.reply.slice(0, 500), updated_at: at };
  const update = db.updateTable('deliveries').where('id', '=', claimed.id).where('lease_token', '=', claimed.leaseToken);
  switch (outcome.status) {
    case 'sent':
      await update.set({ ...base, due_at: null, sent_at: at }).execute();
      return;
    case 'failed':
      await update
        .set((eb) => ({ ...base, due_at: outcome.nextAttemptAt?.toISOString() ?? null, attempts: eb('attempts', '+', 1) }))
        .execute();
      return;
    case 'bounced':
      await update.set((eb) => ({ ...base, due_at: null, attempts: eb('attempts', '+', 1) })).execute();
      return;
    case 'skipped':
      await update.set({ ...base, due_at: null }).execute();
      return;
    case 'queued':
      await update.set({ ...base, due_at: outcome.nextAttemptAt.toISOString() }).execute();
  }
}

/** Rows waiting to be sent (queued, retrying, or leased): the queue depth for /healthz and the CLI. */
export async function countPendingDeliveries(db: Db): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where(HAS_WORK_LEFT)
    .where('due_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Whose and which edition's a delivery is (a bounce report names only the delivery id); undefined once the row is gone. */
export async function findDelivery(db: Db, id: string): Promise<{ recipientId: string; editionId: string | null } | undefined> {
  const row = await db.selectFrom('deliveries').select(['subscriber_id', 'edition_id']).where('id', '=', id).executeTakeFirst();
  return row && { recipientId: row.subscriber_id, editionId: row.edition_id };
}

/** Removes every outbox row of a recipient (their data is being deleted: GDPR article 17). */
export async function deleteDeliveriesOfRecipient(db: Db, recipientId: string): Promise<void> {
  await db.deleteFrom('deliveries').where('subscriber_id', '=', recipientId).execute();
}

/** Recipients of one edition (every row, whatever its state): the denominator of the bounce breaker's share. */
export async function countEditionDeliveries(db: Db, editionId: string): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('edition_id', '=', editionId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Bounced deliveries matching a restore: of one edition and/or whose reply contains `reply`. */
export interface BouncedDeliveryFilter {
  editionId?: string;
  reply?: string;
}

export async function listBouncedDeliveries(
  db: Db,
  filter: BouncedDeliveryFilter,
): Promise<{ id: string; recipientId: string; editionId: string | null; reply: string | null }[]> {
  let query = db.selectFrom('deliveries').select(['id', 'subscriber_id', 'edition_id', 'last_reply']).where('status', '=', 'bounced');
  if (filter.editionId) query = query.where('edition_id', '=', filter.editionId);
  const rows = await query.orderBy('id').execute();
  // The reply is matched here, case-sensitively as written: LIKE differs between SQLite and
  // PostgreSQL (case, and % or _ in the text), and bounced rows are few.
  const reply = filter.reply;
  return rows
    .filter((r) => !reply || (r.last_reply ?? '').includes(reply))
    .map((r) => ({ id: r.id, recipientId: r.subscriber_id, editionId: r.edition_id, reply: r.last_reply }));
}

/** Puts restored deliveries back in the queue with fresh attempts (only rows still `bounced`). */
export async function requeueBouncedDeliveries(db: Db, ids: readonly string[], now: Date): Promise<number> {
  const at = now.toISOString();
  let requeued = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const result = await db
      .updateTable('deliveries')
      .set({ status: 'queued', attempts: 0, due_at: at, lease_token: null, updated_at: at })
      .where('id', 'in', ids.slice(i, i + 500))
      .where('status', '=', 'bounced')
      .executeTakeFirst();
    requeued += Number(result.numUpdatedRows);
  }
  return requeued;
}

/** Recipient ids as a subquery (`select id …`): an edition's audience, chosen by whoever owns the recipients. */
export type AudienceQuery = SelectQueryBuilder<Database, keyof Database, { id: string }>;

/**
 * One queued row per recipient of `audience` for an edition, in one INSERT … SELECT: the rows
 * never pass through JavaScript, so 100,000 recipients cost one statement and no memory here.
 * Row ids are `<edition id>:<recipient id>`, so an edition cannot queue anyone twice.
 */
export async function enqueueEditionDeliveries(db: Db, editionId: string, audience: AudienceQuery, now: Date): Promise<number> {
  const at = now.toISOString();
  const result = await db
    .insertInto('deliveries')
    .columns(['id', 'edition_id', 'subscriber_id', 'kind', 'status', 'attempts', 'due_at', 'created_at', 'updated_at'])
    .expression(
      db
        .selectFrom(audience.as('audience'))
        .select([
          sql<string>`cast(${editionId} as text) || ':' || audience.id`.as('id'),
          sql<string>`cast(${editionId} as text)`.as('edition_id'),
          'audience.id as subscriber_id',
          sql<string>`'edition'`.as('kind'),
          sql<string>`'queued'`.as('status'),
          sql<number>`0`.as('attempts'),
          sql<string>`cast(${at} as text)`.as('due_at'),
          sql<string>`cast(${at} as text)`.as('created_at'),
          sql<string>`cast(${at} as text)`.as('updated_at'),
        ]),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export async function countDeliveriesByStatus(db: Db, editionId: string): Promise<Record<DeliveryStatus, number>> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('edition_id', '=', editionId)
    .groupBy('status')
    .execute();
  const counts: Record<DeliveryStatus, number> = { queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

export interface UndeliveredRow {
  recipientId: string;
  status: 'failed' | 'bounced';
  attempts: number;
  lastReply: string | null;
  nextAttemptAt: Date | null;
}

/** An edition's failed and bounced rows, bounced last, at most `limit`. */
export async function listUndeliveredOfEdition(db: Db, editionId: string, limit: number): Promise<UndeliveredRow[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['subscriber_id', 'status', 'attempts', 'last_reply', 'due_at'])
    .where('edition_id', '=', editionId)
    .where('status', 'in', ['failed', 'bounced'])
    .orderBy('status')
    .orderBy('subscriber_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    recipientId: r.subscriber_id,
    status: r.status as 'failed' | 'bounced',
    attempts: r.attempts,
    lastReply: r.last_reply,
    nextAttemptAt: r.due_at ? new Date(r.due_at) : null,
  }));
}

/** Puts an edition's failed rows back in the queue with fresh attempts. Only `failed`: sent, bounced and skipped rows are never touched. */
export async function requeueFailedOfEdition(db: Db, editionId: string, now: Date): Promise<number> {
  const at = now.toISOString();
  const result = await db
    .updateTable('deliveries')
    .set({ status: 'queued', attempts: 0, due_at: at, updated_at: at })
    .where('edition_id', '=', editionId)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** One row of a recipient's outbox history, for the console: what was sent, when, and what the server said. */
export interface RecipientDelivery {
  id: string;
  editionId: string | null;
  kind: DeliveriesTable['kind'];
  status: DeliveryStatus;
  attempts: number;
  lastReply: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  nextAttemptAt: Date | null;
}

/** A recipient's deliveries, newest first, at most `limit`. */
export async function listDeliveriesOfRecipient(db: Db, recipientId: string, limit: number): Promise<RecipientDelivery[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['id', 'edition_id', 'kind', 'status', 'attempts', 'last_reply', 'created_at', 'updated_at', 'sent_at', 'due_at'])
    .where('subscriber_id', '=', recipientId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    editionId: r.edition_id,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    lastReply: r.last_reply,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    sentAt: r.sent_at ? new Date(r.sent_at) : null,
    nextAttemptAt: r.due_at ? new Date(r.due_at) : null,
  }));
}

/** The oldest row still waiting to be sent: how long the queue has been behind. */
export async function findOldestPendingDelivery(
  db: Db,
): Promise<
  | { id: string; kind: DeliveriesTable['kind']; editionId: string | null; createdAt: Date; attempts: number; nextAttemptAt: Date | null }
  | undefined
> {
  const row = await db
    .selectFrom('deliveries')
    .select(['id', 'kind', 'edition_id', 'created_at', 'attempts', 'due_at'])
    .where(HAS_WORK_LEFT)
    .where('due_at', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      kind: row.kind,
      editionId: row.edition_id,
      createdAt: new Date(row.created_at),
      attempts: row.attempts,
      nextAttemptAt: row.due_at ? new Date(row.due_at) : null,
    }
  );
}

/** Every delivery row by status (the metrics' outbox gauge; read at most every metrics.refreshSeconds). */
export async function countAllDeliveriesByStatus(db: Db): Promise<Record<DeliveryStatus, number>> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
    .groupBy('status')
    .execute();
  const counts: Record<DeliveryStatus, number> = { queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

/** When the oldest row with work left was queued (the due-index predicate, so the index serves it); undefined when none. */
export async function findOldestPendingCreatedAt(db: Db): Promise<Date | undefined> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min('created_at').as('oldest'))
    .where(HAS_WORK_LEFT)
    .where('due_at', 'is not', null)
    .executeTakeFirst();
  return row?.oldest ? new Date(row.oldest) : undefined;
}
