import type { Config } from '../config/config.schema.ts';
import type { RenderedMail } from './mail-view.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import { addressOf, buildMimeTemplate, messageIdFor, type MimeTemplate } from './mime-template.ts';
import { createDeliveryHeaders } from './delivery-headers.ts';
import { createDeliveryTags, createVerpAddresses, type VerpAddresses } from './verp.ts';

/**
 * Turns a rendered mail into its MIME template (once); the template turns a recipient's values
 * into raw MIME (each time). Templates are cached by a key the caller chooses (the edition id, or the
 * transactional content key); a few dozen are enough, since a worker drains one edition at a time.
 */
export interface MessageComposer {
  templateFor(cacheKey: string, render: () => Promise<RenderedMail>): Promise<MimeTemplate>;
  messageId(deliveryId: string): string;
  readonly envelopeFrom: string;
  /**
   * The envelope sender (MAIL FROM, the Return-Path bounces go to) of one delivery: its signed
   * VERP address when mail.bounceDomain is set, else envelopeFrom. The From header never changes.
   */
  envelopeSenderFor(deliveryId: string): string;
  /** Reads a VERP address back into its delivery id; undefined when VERP is off or the address is not a genuine one. */
  readVerpAddress(address: string): string | undefined;
  /** The header lines that carry the delivery's signed id to the providers' webhooks (delivery-headers.ts); none without a signer. */
  deliveryHeadersFor(deliveryId: string): string[];
}

const CACHE_SIZE = 32;

export function createMessageComposer(config: Config, signer?: LinkSigner): MessageComposer {
  const cache = new Map<string, Promise<MimeTemplate>>();
  const envelopeFrom = addressOf(config.mail.from);
  const verp = verpOf(config, envelopeFrom, signer);
  const listId = config.mail.listId ?? defaultListId(config);
  const deliveryHeaders = signer ? createDeliveryHeaders(config, createDeliveryTags(signer)) : () => [];

  const toTemplate = (mail: RenderedMail): MimeTemplate =>
    buildMimeTemplate({
      from: config.mail.from,
      replyTo: config.mail.replyTo,
      subject: mail.subject,
      listId: mail.manageLinks ? listId : null,
      // Feedback-ID carries nothing personal: the mail category and the operator's sender id.
      feedbackId: config.mail.feedbackId ? `${mail.category}:${config.mail.feedbackId}` : null,
      listUnsubscribe: mail.manageLinks ? { mailto: config.mail.unsubscribeMailto } : null,
      text: mail.text,
      html: mail.html,
    });

  return {
    envelopeFrom,
    templateFor(cacheKey, render) {
      let entry = cache.get(cacheKey);
      if (!entry) {
        entry = render().then(toTemplate);
        // A failed render is not cached: the next attempt renders again.
        entry.catch(() => cache.delete(cacheKey));
        cache.set(cacheKey, entry);
        if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return entry;
    },
    messageId: (deliveryId) => messageIdFor(deliveryId, envelopeFrom),
    envelopeSenderFor: (deliveryId) => verp?.envelopeSenderFor(deliveryId) ?? envelopeFrom,
    readVerpAddress: (address) => verp?.readVerpAddress(address),
    deliveryHeadersFor: deliveryHeaders,
  };
}

/** VERP when a bounce domain is set (it needs the signer); the local part is the configured one or the From address's. */
export function verpOf(config: Config, envelopeFrom: string, signer: LinkSigner | undefined): VerpAddresses | undefined {
  const bounceDomain = config.mail.bounceDomain;
  if (!bounceDomain) return undefined;
  if (!signer) throw new Error('mail.bounceDomain is set but no link signer was given to sign VERP addresses');
  const localPart = config.mail.bounceLocalPart ?? envelopeFrom.slice(0, Math.max(0, envelopeFrom.lastIndexOf('@')));
  return createVerpAddresses({ bounceDomain, localPart }, signer);
}

/** RFC 2919: "Title <list-label.host>", stable for the life of the list. */
function defaultListId(config: Config): string {
  const host = new URL(config.site.baseUrl).hostname;
  const label =
    config.site.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'gazette';
  return `${config.site.title.replace(/[<>"\r\n]/g, '')} <${label}.${host}>`;
}
