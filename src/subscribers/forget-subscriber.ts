import { deleteDeliveriesOfRecipient } from '../mail/outbox.repository.ts';
import type { Db } from '../store/database.ts';
import { deleteSubscriberEvents } from './subscriber-event.repository.ts';

/**
 * "Delete my data" and the admin delete: besides the subscriber's own rows, their rows in the
 * outbox and their bounce and restore events go too (GDPR article 17). Call it in the delete's
 * transaction.
 */
export async function forgetSubscriber(tx: Db, subscriberId: string): Promise<void> {
  await deleteDeliveriesOfRecipient(tx, subscriberId);
  await deleteSubscriberEvents(tx, subscriberId);
}
