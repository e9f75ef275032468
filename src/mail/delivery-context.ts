import type { Db } from '../store/database.ts';
import type { RenderedMail } from './mail-view.ts';
import type { ClaimedDelivery } from './outbox.repository.ts';
import type { PersonalValues } from './placeholders.ts';

/**
 * What the outbox asks of the rest of Gazette, given to it as functions by the composition root
 * (src/core.ts). The outbox knows deliveries, not subscribers, articles or editions: a delivery's
 * `recipientId` and `editionId` are keys it passes back here.
 */
export interface DeliveryContext {
  /** Who receives this delivery now and with what, or why nobody does (the row is then skipped). */
  prepare(delivery: ClaimedDelivery): Promise<PreparedDelivery | { skip: string }>;
  /** A permanent failure about the address, called in the transaction that records it on the delivery. */
  onHardBounce(tx: Db, bounce: HardBounce): Promise<void>;
  /** Once that transaction committed: `holdEdition` keeps the edition's remaining rows queued (the bounce circuit breaker). */
  afterHardBounce(bounce: HardBounce): Promise<{ holdEdition: boolean }>;
  /**
   * The deliveries an SMTP server accepted in one pass (their `sent` outcomes recorded), once at
   * its end: a sign of life for their recipients. On the send path: one cheap call per pass.
   */
  afterAccepted(accepted: readonly AcceptedDelivery[]): Promise<void>;
}

export interface PreparedDelivery {
  /** The address, as the envelope and the To header carry it. */
  to: string;
  /** The recipient's own values (greeting, signed links), substituted into the content. */
  personal: PersonalValues;
  /** Rendered once per `key` and shared by every delivery with the same key (an edition, a welcome variant). */
  content: { key: string; render(): Promise<RenderedMail> };
}

export interface HardBounce {
  recipientId: string;
  /** The edition the bounced message belonged to; null for transactional mail. */
  editionId: string | null;
  reply: string;
  at: Date;
  /** Where it came from: "smtp" for a reply during the send, or the report's source. */
  source: string;
}

export interface AcceptedDelivery {
  delivery: ClaimedDelivery;
  /** When the SMTP server accepted it. */
  at: Date;
}
