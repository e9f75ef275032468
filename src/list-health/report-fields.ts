/**
 * Small readers shared by the webhook mappers: what they take from a provider's payload is
 * checked here, so a report never carries junk into the sink.
 */

/**
 * Where Gazette puts the delivery id for providers to hand back: a header (SES includes headers
 * when asked), an SES message tag, Postmark metadata and Mailgun user variables of this name.
 */
export const DELIVERY_HEADER = 'X-Gazette-Delivery';
export const DELIVERY_TAG = 'gazette-delivery';

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,100}$/;
const ENHANCED_STATUS = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

/** A delivery id as we write them, or null for anything else. */
export function deliveryIdOrNull(value: unknown): string | null {
  return typeof value === 'string' && DELIVERY_ID.test(value.trim()) ? value.trim() : null;
}

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
