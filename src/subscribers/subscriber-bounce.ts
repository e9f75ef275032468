import type { HardBounce } from '../mail/delivery-context.ts';
import type { Db } from '../store/database.ts';
import { insertSubscriberEvents } from './subscriber-event.repository.ts';
import { markSubscriberBounced } from './subscriber.repository.ts';

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
