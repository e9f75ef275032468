import type { Db } from '../store/database.ts';

/**
 * The contract between subscriptions and the delivery engine: one-off messages to one
 * recipient (confirmation, welcome, a manage link asked for on /manage), queued in the caller's transaction and delivered by the
 * same outbox, transport, retries and reporting as digests.
 */
export type TransactionalKind = 'confirmation' | 'welcome' | 'manage';

export interface TransactionalMailRequest {
  kind: TransactionalKind;
  /** The subscriber's id: the delivery context looks them up at send time. */
  recipientId: string;
  /** Unique per logical message: queueing the same key twice sends once. */
  key: string;
  /**
   * Values for the template, never secrets: a confirmation carries `confirmationId`, and the
   * delivery engine builds the signed link from it at send time (subscriber-links.ts).
   */
  params: Readonly<Record<string, string>>;
}

export interface MailQueue {
  enqueueTransactional(db: Db, request: TransactionalMailRequest): Promise<void>;
  /** Asks the delivery worker to look at the outbox now instead of at its next tick. */
  kick(): void;
}
