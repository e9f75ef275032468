/**
 * What every source of delivery news (the bounce mailbox, provider webhooks, the SMTP reply
 * during the send) hands to list health: one report about one delivery or one address.
 */
export type ReportKind = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'delivered' | 'unsubscribe-request';
export interface DeliveryReport {
  kind: ReportKind;
  /** The delivery the report is about (from the VERP address or the provider's tag), if known. */
  deliveryId: string | null;
  /** The recipient address the report names, used when there is no delivery id. */
  recipient: string | null;
  /** RFC 3463 status such as "5.1.1", when given. */
  status: string | null;
  /** The Diagnostic-Code or the provider's words. */
  diagnostic: string | null;
  /** Where it came from: 'imap', 'ses', 'postmark', 'mailgun', 'smtp'. */
  source: string;
  /** Unique id of the report at its source (the DSN's Message-ID + recipient, the SNS MessageId, ...): each is applied once. */
  reportId: string;
}
export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored';
export interface ReportSink {
  apply(report: DeliveryReport): Promise<ApplyOutcome>;
}
