import type { Config } from '../config/config.schema.ts';
import type { DeliveryTags } from './verp.ts';

/**
 * The header a delivery's signed id travels in (the same tag as in its VERP address), and the
 * name of the metadata field each provider hands back in its webhook.
 */
export const DELIVERY_HEADER = 'X-Gazette-Delivery';
export const DELIVERY_TAG = 'gazette-delivery';

/**
 * Per delivery, the header lines that let a provider's webhook name the delivery (and so its
 * edition) rather than only the address:
 * - `X-Gazette-Delivery: <tag>` always: SES returns it in `mail.headers` when its notifications
 *   include the original headers, and it lets anyone reading a report match it by hand;
 * - `X-SES-MESSAGE-TAGS: gazette-delivery=<tag without its ".">` when the SES webhook is on: the
 *   tag comes back in `mail.tags` of event publishing (SES removes the header before sending);
 * - `X-PM-Metadata-gazette-delivery: <tag>` when the Postmark webhook is on (Postmark moves it to
 *   the message's Metadata and removes it);
 * - `X-Mailgun-Variables: {"gazette-delivery":"<tag>"}` when the Mailgun webhook is on (its
 *   `user-variables`; Mailgun leaves this header in the delivered mail).
 * None of them is DKIM-signed (dkim-signer.ts lists what is): the provider headers are removed
 * after we sign, and the tag carries its own MAC, so a signature over it would add nothing and
 * could only break where a relay drops X- headers. The tag is opaque (two random ids packed,
 * already visible in the Return-Path) and forging one needs the site secret.
 */
export function createDeliveryHeaders(config: Pick<Config, 'bounces'>, tags: DeliveryTags): (deliveryId: string) => string[] {
  const { ses, postmark, mailgun } = config.bounces.webhooks;
  return (deliveryId) => {
    const tag = tags.tagFor(deliveryId);
    if (!tag) return [];
    const lines = [`${DELIVERY_HEADER}: ${tag}`];
    // SES tag values allow letters, digits, "-" and "_" only: the MAC is read back by its length.
    if (ses.enabled) lines.push(`X-SES-MESSAGE-TAGS: ${DELIVERY_TAG}=${tag.replace('.', '')}`);
    if (postmark) lines.push(`X-PM-Metadata-${DELIVERY_TAG}: ${tag}`);
    if (mailgun) lines.push(`X-Mailgun-Variables: ${JSON.stringify({ [DELIVERY_TAG]: tag })}`);
    return lines;
  };
}
