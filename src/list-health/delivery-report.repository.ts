import type { Db } from '../store/database.ts';
import type { DeliveryReport } from './delivery-report.ts';

/** SQL for delivery_reports: each report seen once, and the soft-bounce count it feeds. */
export interface StoredReport {
  report: DeliveryReport;
  subscriberId: string | null;
  editionId: string | null;
  receivedAt: Date;
}

/** Records a report unless its id was seen before; true when this call recorded it. */
export async function insertDeliveryReport(db: Db, stored: StoredReport): Promise<boolean> {
  const { report } = stored;
  const inserted = await db
    .insertInto('delivery_reports')
    .values({
      report_id: report.reportId.slice(0, 500),
      delivery_id: report.deliveryId,
      subscriber_id: stored.subscriberId,
      edition_id: stored.editionId,
      kind: report.kind,
      status: report.status,
      diagnostic: report.diagnostic?.slice(0, 500) ?? null,
      source: report.source,
      received_at: stored.receivedAt.toISOString(),
    })
    .onConflict((oc) => oc.column('report_id').doNothing())
    .returning('report_id')
    .execute();
  return inserted.length > 0;
}

/**
 * A subscriber's soft bounces since their last delivered report: how many, and over how many
 * distinct messages' editions (a transactional mail or a report without a delivery counts as its own).
 * `since` (the subscriber's confirmation) leaves out what happened before a new sign-up.
 */
export async function countSoftBouncesSinceDelivered(
  db: Db,
  subscriberId: string,
  since: Date | null,
): Promise<{ bounces: number; editions: number }> {
  const lastDelivered = db
    .selectFrom('delivery_reports')
    .select((eb) => eb.fn.max('received_at').as('at'))
    .where('subscriber_id', '=', subscriberId)
    .where('kind', '=', 'delivered');
  const row = await db
    .selectFrom('delivery_reports')
    .select((eb) => [
      eb.fn.countAll<string | number>().as('bounces'),
      eb.fn
        .count<string | number>(eb.fn.coalesce('edition_id', 'delivery_id', 'report_id'))
        .distinct()
        .as('editions'),
    ])
    .where('subscriber_id', '=', subscriberId)
    .where('kind', '=', 'soft-bounce')
    .where((eb) => eb.or([eb(lastDelivered, 'is', null), eb('received_at', '>', lastDelivered)]))
    .where('received_at', '>=', since?.toISOString() ?? '')
    .executeTakeFirstOrThrow();
  return { bounces: Number(row.bounces), editions: Number(row.editions) };
}

/**
 * A subscriber's data is being deleted (GDPR article 17): their reports keep only what makes them
 * "seen" (the report id, kind and time); the diagnostic, which often quotes the address, goes.
 */
export async function forgetReportsOfSubscriber(db: Db, subscriberId: string): Promise<void> {
  await db
    .updateTable('delivery_reports')
    .set({ subscriber_id: null, delivery_id: null, diagnostic: null })
    .where('subscriber_id', '=', subscriberId)
    .execute();
}

/** A subscriber's bounce, complaint and delivered reports, newest first: their history in the console. */
export async function listReportsOfSubscriber(
  db: Db,
  subscriberId: string,
  limit: number,
): Promise<
  { kind: string; status: string | null; diagnostic: string | null; source: string; editionId: string | null; receivedAt: Date }[]
> {
  const rows = await db
    .selectFrom('delivery_reports')
    .select(['kind', 'status', 'diagnostic', 'source', 'edition_id', 'received_at'])
    .where('subscriber_id', '=', subscriberId)
    .orderBy('received_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    kind: r.kind,
    status: r.status,
    diagnostic: r.diagnostic,
    source: r.source,
    editionId: r.edition_id,
    receivedAt: new Date(r.received_at),
  }));
}
