import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import { checkBounceBreaker, checkComplaintBreaker } from '../editions/bounce-breaker.service.ts';
import { findDelivery } from '../mail/outbox.repository.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Database, Db } from '../store/database.ts';
import {
  recordSubscriberBounce,
  recordSubscriberSoftBounce,
  recordSubscriberUnsubscribeReport,
  type SubscriberReport,
} from '../subscribers/subscriber-bounce.ts';
import { findSubscriberByEmailKey, findSubscriberById } from '../subscribers/subscriber.repository.ts';
import type { Subscriber } from '../subscribers/subscriber.ts';
import { normalizeEmail } from '../subscribers/validate-email.ts';
import type { ApplyOutcome, DeliveryReport, ReportSink } from './delivery-report.ts';
import { countSoftBouncesSinceReset, insertDeliveryReport } from './delivery-report.repository.ts';

/**
 * Applies delivery reports from any source to the list, each once (by its reportId):
 * - hard bounce: the subscriber is `bounced` now, and the bounce circuit breaker is fed;
 * - soft bounce: counted; after mail.softBounces.limit of them over .editions distinct editions
 *   with no reset in between (a delivered report, a later delivery accepted by SMTP, an operator's
 *   restore: README), the subscriber is `bounced` like a hard bounce;
 * - complaint: unsubscribed at once, the source recorded, `onComplaint` told (suppression), and
 *   the complaint circuit breaker fed;
 * - delivered: recorded; it resets the soft-bounce count;
 * - unsubscribe request (a List-Unsubscribe mailto): unsubscribed.
 * A report about no delivery or address we know is recorded as seen (so it is not read again),
 * logged, and 'ignored'.
 */
export interface ApplyReportDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'mail'>;
  clock: Clock;
  log: Logger;
  /** Told after a complaint is committed (the suppression list keeps the address from coming back). */
  onComplaint?: (subscriberId: string) => Promise<void>;
}

interface Target {
  subscriberId: string;
  editionId: string | null;
  confirmedAt: Date | null;
  /** Only a subscriber still mailed can be bounced by soft bounces adding up. */
  isMailed: boolean;
}

type Applied = { outcome: ApplyOutcome; target?: Target; bounced?: boolean; unsubscribed?: boolean };

export function createReportSink(deps: ApplyReportDeps): ReportSink {
  return { apply: (report) => applyReport(deps, report) };
}

export async function applyReport(deps: ApplyReportDeps, report: DeliveryReport): Promise<ApplyOutcome> {
  const at = deps.clock.now();
  const applied = await deps.db.transaction().execute(async (tx): Promise<Applied> => {
    const target = await findTarget(tx, report);
    const isNew = await insertDeliveryReport(tx, {
      report,
      subscriberId: target?.subscriberId ?? null,
      editionId: target?.editionId ?? null,
      receivedAt: at,
    });
    if (!isNew) return { outcome: 'duplicate' };
    if (!target) return { outcome: 'ignored' };
    return { outcome: 'applied', target, ...(await applyToSubscriber(deps, tx, report, target, at)) };
  });
  logOutcome(deps.log, report, applied);
  if (applied.outcome === 'applied' && applied.target) await afterCommit(deps, report, applied, applied.target, at);
  return applied.outcome;
}

async function applyToSubscriber(
  deps: ApplyReportDeps,
  tx: Db,
  report: DeliveryReport,
  target: Target,
  at: Date,
): Promise<{ bounced?: boolean; unsubscribed?: boolean }> {
  const event: SubscriberReport = {
    subscriberId: target.subscriberId,
    editionId: target.editionId,
    reply: [report.status, report.diagnostic].filter(Boolean).join(' ') || null,
    at,
    source: report.source,
  };
  const bounce = (reply: string | null) =>
    recordSubscriberBounce(tx, {
      recipientId: target.subscriberId,
      editionId: target.editionId,
      reply: reply ?? report.kind,
      at,
      source: report.source,
    });
  switch (report.kind) {
    case 'hard-bounce':
      await bounce(event.reply);
      return { bounced: true };
    case 'soft-bounce': {
      await recordSubscriberSoftBounce(tx, event);
      const { limit, editions } = deps.config.mail.softBounces;
      const count = await countSoftBouncesSinceReset(tx, target.subscriberId, target.confirmedAt);
      if (!target.isMailed || count.bounces < limit || count.editions < editions) return {};
      await bounce(
        `${count.bounces} soft bounces over ${count.editions} editions without a delivery; the last: ${event.reply ?? 'no detail'}`,
      );
      return { bounced: true };
    }
    case 'complaint':
      return { unsubscribed: await recordSubscriberUnsubscribeReport(tx, event, 'complained') };
    case 'unsubscribe-request':
      return { unsubscribed: await recordSubscriberUnsubscribeReport(tx, event, 'unsubscribed') };
    case 'delivered':
      return {};
  }
}

async function afterCommit(deps: ApplyReportDeps, report: DeliveryReport, applied: Applied, target: Target, at: Date): Promise<void> {
  const { db, log, config } = deps;
  if (applied.bounced) await checkBounceBreaker({ db, log, settings: config.mail.bounceBreaker }, target.editionId, at);
  if (report.kind !== 'complaint') return;
  await deps.onComplaint?.(target.subscriberId);
  await checkComplaintBreaker({ db, log, settings: config.mail.complaintBreaker }, target.editionId, at);
}

/** The delivery named by the report, else the subscriber with the address it names. */
async function findTarget(db: Db, report: DeliveryReport): Promise<Target | undefined> {
  const delivery = report.deliveryId ? await findDelivery(db, report.deliveryId) : undefined;
  if (delivery) {
    const subscriber = await findSubscriberById(db, delivery.recipientId);
    if (subscriber) return targetOf(subscriber, delivery.editionId);
  }
  const email = report.recipient ? normalizeEmail(report.recipient) : undefined;
  const subscriber = email?.ok ? await findSubscriberByEmailKey(db, email.value.key) : undefined;
  return subscriber && targetOf(subscriber, null);
}

function targetOf(subscriber: Subscriber, editionId: string | null): Target {
  const isMailed = subscriber.status === 'pending' || subscriber.status === 'confirmed';
  return { subscriberId: subscriber.id, editionId, confirmedAt: subscriber.confirmedAt, isMailed };
}

function logOutcome(log: Logger, report: DeliveryReport, applied: Applied): void {
  const fields = {
    report: report.reportId,
    kind: report.kind,
    source: report.source,
    delivery: report.deliveryId,
    subscriber: applied.target?.subscriberId,
  };
  if (applied.outcome === 'ignored')
    log.warn(fields, 'delivery report about no delivery or subscriber we know: recorded as seen, nothing changed');
  else if (applied.bounced) log.warn(fields, 'delivery report: subscriber marked bounced');
  else if (applied.unsubscribed) log.warn(fields, `delivery report (${report.kind}): subscriber unsubscribed`);
  else if (applied.outcome === 'applied') log.info(fields, 'delivery report applied');
}
