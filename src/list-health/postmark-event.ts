import type { DeliveryReport, ReportKind } from './delivery-report.ts';
import { isSameSecret } from './constant-time.ts';
import { DELIVERY_TAG } from '../mail/delivery-headers.ts';
import { enhancedStatusOrNull, isRecord, textOrNull, type DeliveryTagReader } from './report-fields.ts';

/**
 * Postmark's bounce types (its Bounce.Type) as report kinds. Types about the sending rather than
 * the address (Blocked, DMARCPolicy, SMTPApiError), auto-replies and challenges, and Postmark's
 * own deactivations are not reports about the address: an out-of-office must never unsubscribe anyone.
 */
const KIND_BY_BOUNCE_TYPE: Readonly<Record<string, ReportKind>> = {
  HardBounce: 'hard-bounce',
  BadEmailAddress: 'hard-bounce',
  SoftBounce: 'soft-bounce',
  Transient: 'soft-bounce',
  DnsError: 'soft-bounce',
  SpamComplaint: 'complaint',
  Unsubscribe: 'unsubscribe-request',
};

/** Basic credentials from an Authorization header, checked in constant time (both parts always compared). */
export function isPostmarkAuthorized(authorization: string | undefined, expected: { user: string; password: string }): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? '' : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  const userMatches = isSameSecret(user, expected.user);
  const passwordMatches = isSameSecret(password, expected.password);
  return colon >= 0 && userMatches && passwordMatches;
}

/** One Postmark webhook payload as reports (none for records that say nothing about an address). */
export function postmarkReportsOf(payload: unknown, readDeliveryTag: DeliveryTagReader): DeliveryReport[] {
  if (!isRecord(payload)) return [];
  const recordType = textOrNull(payload.RecordType);
  const deliveryId = isRecord(payload.Metadata) ? readDeliveryTag(payload.Metadata[DELIVERY_TAG]) : null;
  const report = (kind: ReportKind, recipient: unknown, details: unknown, keyParts: unknown[]): DeliveryReport[] => {
    const parts = keyParts.map((part) => textOrNull(part, 320));
    if (parts.some((part) => part === null)) return [];
    const key = parts.join(':');
    const diagnostic = textOrNull(details);
    const status = enhancedStatusOrNull(diagnostic);
    return [
      { kind, deliveryId, recipient: textOrNull(recipient, 320), status, diagnostic, source: 'postmark', reportId: `${key}:${recordType}` },
    ];
  };
  // Postmark's IDs are 64-bit and JSON numbers lose their low digits: the MessageID keeps the key unique.
  if (recordType === 'Bounce' || recordType === 'SpamComplaint') {
    const kind = recordType === 'SpamComplaint' ? 'complaint' : KIND_BY_BOUNCE_TYPE[String(payload.Type)];
    return kind ? report(kind, payload.Email, payload.Details ?? payload.Description, [payload.ID, payload.MessageID]) : [];
  }
  if (recordType === 'Delivery') return report('delivered', payload.Recipient, payload.Details, [payload.MessageID, payload.Recipient]);
  // A recipient's own unsubscribe through Postmark; its suppressions after bounces and complaints arrive as those records.
  if (recordType === 'SubscriptionChange' && payload.SuppressSending === true && payload.SuppressionReason === 'ManualSuppression')
    return report('unsubscribe-request', payload.Recipient, payload.SuppressionReason, [payload.MessageID, payload.ChangedAt]);
  return [];
}
