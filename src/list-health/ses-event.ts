import type { DeliveryReport, ReportKind } from './delivery-report.ts';
import { DELIVERY_HEADER, DELIVERY_TAG } from '../mail/delivery-headers.ts';
import { enhancedStatusOrNull, isRecord, textOrNull, type DeliveryTagReader } from './report-fields.ts';

/**
 * An SES event (the Message of an SNS notification) as delivery reports, one per recipient it
 * names. Both SES formats are read: identity notifications (`notificationType`) and configuration
 * set event publishing (`eventType`). Other events (Send, Open, DeliveryDelay, ...) give none.
 */
export function sesReportsOf(event: unknown, snsMessageId: string, readDeliveryTag: DeliveryTagReader): DeliveryReport[] {
  if (!isRecord(event)) return [];
  const type = event.notificationType ?? event.eventType;
  const deliveryId = deliveryIdOf(event.mail, readDeliveryTag);
  const report = (kind: ReportKind, recipient: unknown, status: string | null, diagnostic: string | null): DeliveryReport => {
    const address = textOrNull(recipient, 320);
    return { kind, deliveryId, recipient: address, status, diagnostic, source: 'ses', reportId: `${snsMessageId}:${address ?? ''}` };
  };
  if (type === 'Bounce' && isRecord(event.bounce)) {
    // Undetermined: SES could not tell why; counting it as soft never removes anyone at once.
    const bounce = event.bounce;
    const kind: ReportKind = bounce.bounceType === 'Permanent' ? 'hard-bounce' : 'soft-bounce';
    return listOf(bounce.bouncedRecipients).map((r) =>
      report(
        kind,
        r.emailAddress,
        enhancedStatusOrNull(r.status) ?? enhancedStatusOrNull(r.diagnosticCode),
        textOrNull(r.diagnosticCode) ?? textOrNull(bounce.bounceSubType),
      ),
    );
  }
  if (type === 'Complaint' && isRecord(event.complaint)) {
    const feedback = textOrNull(event.complaint.complaintFeedbackType) ?? textOrNull(event.complaint.complaintSubType);
    return listOf(event.complaint.complainedRecipients).map((r) => report('complaint', r.emailAddress, null, feedback));
  }
  if (type === 'Delivery' && isRecord(event.delivery)) {
    const reply = textOrNull(event.delivery.smtpResponse);
    const recipients = Array.isArray(event.delivery.recipients) ? event.delivery.recipients : [];
    return recipients.map((address) => report('delivered', address, enhancedStatusOrNull(reply), reply));
  }
  return [];
}

function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** The delivery id from the message's tags (event publishing), else its original headers (when SES includes them). */
function deliveryIdOf(mail: unknown, readDeliveryTag: DeliveryTagReader): string | null {
  if (!isRecord(mail)) return null;
  const tagged = isRecord(mail.tags) ? mail.tags[DELIVERY_TAG] : undefined;
  const fromTag = readDeliveryTag(Array.isArray(tagged) ? tagged[0] : tagged);
  if (fromTag) return fromTag;
  const header = listOf(mail.headers).find((h) => typeof h.name === 'string' && h.name.toLowerCase() === DELIVERY_HEADER.toLowerCase());
  return readDeliveryTag(header?.value);
}
