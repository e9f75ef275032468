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

/** Rows after which soft bounces count afresh (src/list-health/README.md, "Soft bounce"). */
const RESET_KINDS = ['delivered', 'reset', 'accepted'] as const;

/**
 * A subscriber's soft bounces since their count was last reset: how many, and over how many
 * distinct messages' editions (a transactional mail or a report without a delivery counts as its own).
 * The count restarts after a delivered report, an operator's restore, or the SMTP acceptance of a
 * delivery that has not soft-bounced since (a relay accepts everything: its acceptance of a message
 * that then bounces is no sign of life; a later bounce without a delivery id may be about it too).
 * `since` (the subscriber's confirmation) leaves out what happened before a new sign-up.
 */
export async function countSoftBouncesSinceReset(
  db: Db,
  subscriberId: string,
  since: Date | null,
): Promise<{ bounces: number; editions: number }> {
  const lastReset = db
    .selectFrom('delivery_reports as r')
    .select((eb) => eb.fn.max('r.received_at').as('at'))
    .where('r.subscriber_id', '=', subscriberId)
    .where((eb) =>
      eb.or([
        eb('r.kind', 'in', ['delivered', 'reset']),
        eb.and([
          eb('r.kind', '=', 'accepted'),
          eb.not(
            eb.exists(
              eb
                .selectFrom('delivery_reports as b')
                .select('b.report_id')
                .where('b.subscriber_id', '=', subscriberId)
                .where('b.kind', '=', 'soft-bounce')
                .whereRef('b.received_at', '>', 'r.received_at')
                .where((inner) => inner.or([inner('b.delivery_id', 'is', null), inner('b.delivery_id', '=', inner.ref('r.delivery_id'))])),
            ),
          ),
        ]),
      ]),
    );
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
    .where((eb) => eb.or([eb(lastReset, 'is', null), eb('received_at', '>', lastReset)]))
    .where('received_at', '>=', since?.toISOString() ?? '')
    .executeTakeFirstOrThrow();
  return { bounces: Number(row.bounces), editions: Number(row.editions) };
}

export interface AcceptedDelivery {
  deliveryId: string;
  subscriberId: string;
  editionId: string | null;
  at: Date;
}

/**
 * On the send path, once per delivery pass, for the deliveries an SMTP server accepted: resets the
 * soft-bounce count of those recipients who have one to reset (soft bounces since the last reset).
 * Almost nobody has: that is one indexed read per pass (per 500 recipients), and no write.
 * Returns how many resets were written.
 */
export async function resetSoftBouncesOnAcceptance(db: Db, accepted: readonly AcceptedDelivery[]): Promise<number> {
  const latestBySubscriber = new Map<string, AcceptedDelivery>();
  for (const delivery of accepted) latestBySubscriber.set(delivery.subscriberId, delivery);
  const ids = [...latestBySubscriber.keys()];
  let written = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const softBounced = await db
      .selectFrom('delivery_reports')
      .select((eb) => ['subscriber_id', eb.fn.max('received_at').as('at')])
      .where('subscriber_id', 'in', ids.slice(i, i + 500))
      .where('kind', '=', 'soft-bounce')
      .groupBy('subscriber_id')
      .execute();
    for (const { subscriber_id: subscriberId, at: softBouncedAt } of softBounced) {
      const reset = await db
        .selectFrom('delivery_reports')
        .select('received_at')
        .where('subscriber_id', '=', subscriberId!)
        .where('kind', 'in', RESET_KINDS)
        .where('received_at', '>=', softBouncedAt)
        .limit(1)
        .executeTakeFirst();
      if (reset) continue;
      const delivery = latestBySubscriber.get(subscriberId!)!;
      const inserted = await insertResetRow(db, {
        reportId: `smtp:accepted:${delivery.deliveryId}`,
        kind: 'accepted',
        source: 'smtp',
        subscriberId: delivery.subscriberId,
        deliveryId: delivery.deliveryId,
        editionId: delivery.editionId,
        at: delivery.at,
      });
      if (inserted) written += 1;
    }
  }
  return written;
}

/** An operator restored these subscribers: their soft bounces count afresh (in the restore's transaction). */
export async function resetSoftBouncesOnRestore(db: Db, subscriberIds: readonly string[], at: Date, actor: string): Promise<void> {
  for (const subscriberId of subscriberIds)
    await insertResetRow(db, {
      reportId: `restore:${subscriberId}:${at.toISOString()}`,
      kind: 'reset',
      source: actor.slice(0, 100),
      subscriberId,
      deliveryId: null,
      editionId: null,
      at,
    });
}

async function insertResetRow(
  db: Db,
  row: {
    reportId: string;
    kind: 'accepted' | 'reset';
    source: string;
    subscriberId: string;
    deliveryId: string | null;
    editionId: string | null;
    at: Date;
  },
): Promise<boolean> {
  const inserted = await db
    .insertInto('delivery_reports')
    .values({
      report_id: row.reportId.slice(0, 500),
      delivery_id: row.deliveryId,
      subscriber_id: row.subscriberId,
      edition_id: row.editionId,
      kind: row.kind,
      status: null,
      diagnostic: null,
      source: row.source,
      received_at: row.at.toISOString(),
    })
    .onConflict((oc) => oc.column('report_id').doNothing())
    .returning('report_id')
    .execute();
  return inserted.length > 0;
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
