import type { Clock } from '../shared/clock.ts';
import type { Db } from '../store/database.ts';
import type { MailQueue, TransactionalMailRequest } from './mail-queue.ts';
import { insertTransactional } from './outbox.repository.ts';

/**
 * The MailQueue contract over the outbox: a transactional mail is one more delivery row,
 * written in the caller's transaction (so a subscriber row and its confirmation mail commit
 * together or not at all) and sent by the same worker as editions.
 */
export function createMailQueue(deps: { clock: Clock; kick: () => void }): MailQueue {
  return {
    async enqueueTransactional(db: Db, request: TransactionalMailRequest) {
      await insertTransactional(db, {
        id: `tx:${request.key}`,
        recipientId: request.recipientId,
        kind: request.kind,
        params: request.params,
        now: deps.clock.now(),
      });
    },
    // The caller kicks after its transaction commits: a kick inside it would find nothing to send yet.
    kick: deps.kick,
  };
}
