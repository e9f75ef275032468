import { randomUUID } from 'node:crypto';
import type { Db, SubscriberEventsTable } from '../store/database.ts';

/** SQL for subscriber_events: the record of each bounce and each restore (who, when, why, the reply). */
export interface SubscriberEvent {
  subscriberId: string;
  editionId: string | null;
  kind: SubscriberEventsTable['kind'];
  reply: string | null;
  actor: string | null;
  reason: string | null;
  at: Date;
}

export async function insertSubscriberEvents(db: Db, events: readonly SubscriberEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 200) {
    const rows = events.slice(i, i + 200).map((e) => ({
      id: randomUUID(),
      subscriber_id: e.subscriberId,
      edition_id: e.editionId,
      kind: e.kind,
      reply: e.reply?.slice(0, 500) ?? null,
      actor: e.actor,
      reason: e.reason,
      created_at: e.at.toISOString(),
    }));
    if (rows.length > 0) await db.insertInto('subscriber_events').values(rows).execute();
  }
}

/**
 * The `bounced` events matching an operator's restore: one edition, a reply text, or both. Bounces
 * from a later report (a DSN, a webhook) have no bounced delivery row, only this event.
 */
export async function listBounceEvents(
  db: Db,
  filter: { editionId?: string; reply?: string },
): Promise<{ subscriberId: string; editionId: string | null; reply: string | null }[]> {
  let query = db.selectFrom('subscriber_events').select(['subscriber_id', 'edition_id', 'reply']).where('kind', '=', 'bounced');
  if (filter.editionId) query = query.where('edition_id', '=', filter.editionId);
  const rows = await query.orderBy('created_at').execute();
  // Matched here, as the outbox's bounced rows are: LIKE differs between SQLite and PostgreSQL.
  const reply = filter.reply;
  return rows
    .filter((r) => !reply || (r.reply ?? '').includes(reply))
    .map((r) => ({ subscriberId: r.subscriber_id, editionId: r.edition_id, reply: r.reply }));
}

/** Distinct subscribers of one edition bounced (or, given `kind`, complained...) since `since`: what the circuit breakers count. */
export async function countEditionBouncesSince(
  db: Db,
  editionId: string,
  since: Date,
  kind: SubscriberEventsTable['kind'] = 'bounced',
): Promise<number> {
  const row = await db
    .selectFrom('subscriber_events')
    .select((eb) => eb.fn.count<string | number>('subscriber_id').distinct().as('n'))
    .where('edition_id', '=', editionId)
    .where('kind', '=', kind)
    .where('created_at', '>=', since.toISOString())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Distinct subscribers of one edition with each kind of event: the edition report's bounce and complaint counts. */
export async function countEditionEventsByKind(db: Db, editionId: string): Promise<Partial<Record<SubscriberEventsTable['kind'], number>>> {
  const rows = await db
    .selectFrom('subscriber_events')
    .select(['kind', (eb) => eb.fn.count<string | number>('subscriber_id').distinct().as('n')])
    .where('edition_id', '=', editionId)
    .groupBy('kind')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
}

export async function listSubscriberEvents(db: Db, subscriberId: string): Promise<SubscriberEvent[]> {
  const rows = await db
    .selectFrom('subscriber_events')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    subscriberId: r.subscriber_id,
    editionId: r.edition_id,
    kind: r.kind,
    reply: r.reply,
    actor: r.actor,
    reason: r.reason,
    at: new Date(r.created_at),
  }));
}

/** A subscriber's data is being deleted (GDPR article 17): their events go too. */
export async function deleteSubscriberEvents(db: Db, subscriberId: string): Promise<void> {
  await db.deleteFrom('subscriber_events').where('subscriber_id', '=', subscriberId).execute();
}
