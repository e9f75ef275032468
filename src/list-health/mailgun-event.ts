import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DeliveryReport, ReportKind } from './delivery-report.ts';
import { DELIVERY_TAG } from '../mail/delivery-headers.ts';
import { enhancedStatusOrNull, isRecord, textOrNull, type DeliveryTagReader } from './report-fields.ts';

export interface MailgunSignature {
  timestamp: string;
  token: string;
  signature: string;
}

/** Mailgun's scheme: hex HMAC-SHA256 with the webhook signing key over timestamp + token, compared in constant time. */
export function isMailgunSignatureValid(signingKey: string, given: MailgunSignature): boolean {
  const expected = createHmac('sha256', signingKey)
    .update(given.timestamp + given.token)
    .digest();
  const wellFormed = /^[0-9a-f]{64}$/i.test(given.signature);
  // A malformed signature is compared against zeros, so that it costs what a wrong one costs.
  const received = wellFormed ? Buffer.from(given.signature, 'hex') : Buffer.alloc(expected.length);
  const same = timingSafeEqual(received, expected);
  return wellFormed && same;
}

/** One Mailgun event (its event-data) as reports; events that say nothing about an address give none. */
export function mailgunReportsOf(eventData: unknown, readDeliveryTag: DeliveryTagReader): DeliveryReport[] {
  if (!isRecord(eventData)) return [];
  const id = textOrNull(eventData.id, 200);
  const kind = kindOf(eventData);
  if (id === null || kind === null) return [];
  const status = isRecord(eventData['delivery-status']) ? eventData['delivery-status'] : {};
  const diagnostic = textOrNull(status.message) ?? textOrNull(status.description) ?? textOrNull(eventData.reason);
  const variables = eventData['user-variables'];
  return [
    {
      kind,
      deliveryId: isRecord(variables) ? readDeliveryTag(variables[DELIVERY_TAG]) : null,
      recipient: textOrNull(eventData.recipient, 320),
      status: enhancedStatusOrNull(status['enhanced-code']) ?? enhancedStatusOrNull(diagnostic),
      diagnostic,
      source: 'mailgun',
      reportId: id,
    },
  ];
}

function kindOf(eventData: Record<string, unknown>): ReportKind | null {
  switch (eventData.event) {
    case 'failed':
      if (eventData.severity === 'permanent') return 'hard-bounce';
      return eventData.severity === 'temporary' ? 'soft-bounce' : null;
    case 'complained':
      return 'complaint';
    case 'delivered':
      return 'delivered';
    case 'unsubscribed':
      return 'unsubscribe-request';
    default:
      return null;
  }
}
