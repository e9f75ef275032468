import type { Config } from '../config/config.schema.ts';
import type { MailTemplateName, MailTemplates } from './mail-templates.ts';
import { createPlaceholders, segment, type Segmented } from './placeholders.ts';

/**
 * A message rendered once, with its personal parts still open (see placeholders.ts). Every
 * kind of mail (digest, instant, confirmation, welcome) ends up as one of these, and the
 * delivery engine turns it into raw MIME per recipient by substitution.
 */
export interface RenderedMail {
  subject: string;
  html: Segmented;
  text: Segmented;
  /** Mail to a subscriber on the list carries List-Unsubscribe and the footer links; a confirmation does not. */
  manageLinks: boolean;
  /** The non-personal part of Feedback-ID ("digest", "instant", "confirmation", "welcome"). */
  category: string;
}

/** Why the reader gets this mail: required in every footer, and what makes a reader trust an unsubscribe link. `what` says what they chose (a frequency's label). */
export function subscriptionReason(config: Config, what: string | null): string {
  return `You receive this because this address subscribed to ${config.site.title}${what ? ` (${what})` : ''}.`;
}

export interface MailViewInput {
  template: MailTemplateName;
  subject: string;
  preheader: string;
  reason: string;
  manageLinks: boolean;
  category: string;
  /** Template-specific values (cards, article, labels). */
  data: object;
}

/** Renders a template once with placeholder tokens for the personal parts, and cuts the result at them. */
export async function renderMailView(templates: MailTemplates, config: Config, input: MailViewInput): Promise<RenderedMail> {
  const placeholders = createPlaceholders();
  const { html, text } = await templates.render(input.template, {
    ...input.data,
    site: {
      title: config.site.title,
      url: `${config.site.baseUrl}/`,
      language: config.site.language,
      postalAddress: config.site.postalAddress,
    },
    subject: input.subject,
    preheader: input.preheader,
    reason: input.reason,
    manageLinks: input.manageLinks,
    archiveUrl: `${config.site.baseUrl}/`,
    ph: placeholders.tokens,
  });
  return {
    subject: input.subject,
    html: segment(html, placeholders),
    text: segment(text, placeholders),
    manageLinks: input.manageLinks,
    category: input.category,
  };
}
