import type { Logger } from '../shared/logger.ts';

/**
 * Small readers shared by the webhook mappers: what they take from a provider's payload is
 * checked here, so a report never carries junk into the sink.
 */

/**
 * Reads the delivery tag a provider handed back (mail/delivery-headers.ts: the X-Gazette-Delivery
 * header, an SES tag, Postmark metadata, Mailgun variables): the delivery id when its MAC checks,
 * else null, and the report falls back to its recipient address.
 */
export type DeliveryTagReader = (value: unknown) => string | null;

/** A reader that logs each tag it refuses: unsigned, altered or not made with this site's secret. */
export function createDeliveryTagReader(readTag: (tag: string) => string | undefined, log: Logger, source: string): DeliveryTagReader {
  return (value) => {
    const tag = typeof value === 'string' ? value.trim() : '';
    if (tag === '') return null;
    const deliveryId = readTag(tag);
    if (deliveryId) return deliveryId;
    log.warn(
      { source, tag: tag.slice(0, 100) },
      'delivery id in a webhook report is unsigned or altered: ignored, the recipient address is used',
    );
    return null;
  };
}

const ENHANCED_STATUS = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

/** An RFC 3463 status ("5.1.1") found in the value, or null. */
export function enhancedStatusOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return ENHANCED_STATUS.exec(value)?.[1] ?? null;
}

/** A trimmed, bounded string, or null when empty or not a string. */
export function textOrNull(value: unknown, max = 1000): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const trimmed = String(value).trim();
  return trimmed === '' ? null : trimmed.slice(0, max);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
