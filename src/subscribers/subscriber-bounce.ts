import type { HardBounce } from '../mail/delivery-context.ts';
import type { Db } from '../store/database.ts';
import { voidOpenConfirmations } from './confirmation.repository.ts';
import { insertSubscriberEvents, type SubscriberEvent } from './subscriber-event.repository.ts';
import { findSubscriberById, markSubscriberBounced, updateSubscriber } from './subscriber.repository.ts';

/**
 * A permanent failure about a subscriber's address: they become `bounced` (no more mail until
 * they sign up again) and the bounce is recorded as an event (when, which edition, the reply,
 * where it came from). Call it in the transaction that records the bounce on the delivery.
 */
export async function recordSubscriberBounce(db: Db, bounce: HardBounce): Promise<void> {
  await markSubscriberBounced(db, bounce.recipientId, bounce.at);
  await insertSubscriberEvents(db, [
    {
      subscriberId: bounce.recipientId,
      editionId: bounce.editionId,
      kind: 'bounced',
      reply: bounce.reply,
      actor: bounce.source,
      reason: null,
      at: bounce.at,
    },
  ]);
}

/** What a delivery report says about a subscriber (list-health/apply-report.service.ts). */
export interface SubscriberReport {
  subscriberId: string;
  editionId: string | null;
  /** The status and diagnostic, as the report gave them. */
  reply: string | null;
  at: Date;
  /** Where the report came from ('imap', 'ses', ...). */
  source: string;
}

/**
 * A complaint ("this is spam") or a request to unsubscribe by mail: the subscriber is unsubscribed
 * at once and their open confirmation links voided, so only a new sign-up brings mail back. The
 * event says which it was and where it came from. Returns whether the status changed.
 */
export async function recordSubscriberUnsubscribeReport(
  db: Db,
  report: SubscriberReport,
  kind: 'complained' | 'unsubscribed',
): Promise<boolean> {
  await voidOpenConfirmations(db, report.subscriberId, report.at);
  const changed = await updateSubscriberStatusUnlessUnsubscribed(db, report.subscriberId, report.at);
  await insertSubscriberEvents(db, [{ ...eventOf(report), kind }]);
  return changed;
}

/** A soft bounce is only recorded; list health decides when enough of them bounce the subscriber. */
export async function recordSubscriberSoftBounce(db: Db, report: SubscriberReport): Promise<void> {
  await insertSubscriberEvents(db, [{ ...eventOf(report), kind: 'soft-bounced' }]);
}

function eventOf(report: SubscriberReport): Omit<SubscriberEvent, 'kind'> {
  return {
    subscriberId: report.subscriberId,
    editionId: report.editionId,
    reply: report.reply,
    actor: report.source,
    reason: null,
    at: report.at,
  };
}

async function updateSubscriberStatusUnlessUnsubscribed(db: Db, subscriberId: string, at: Date): Promise<boolean> {
  const subscriber = await findSubscriberById(db, subscriberId);
  if (!subscriber || subscriber.status === 'unsubscribed') return false;
  return updateSubscriber(db, subscriberId, { status: 'unsubscribed', unsubscribedAt: at, updatedAt: at });
}
