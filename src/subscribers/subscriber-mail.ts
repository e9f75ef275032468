import { listPublishedArticles } from '../articles/article.repository.ts';
import type { Article } from '../articles/article.ts';
import { toArticleCard } from '../articles/article-card.ts';
import type { Config } from '../config/config.schema.ts';
import type { TransactionalKind } from '../mail/mail-queue.ts';
import type { MailTemplates } from '../mail/mail-templates.ts';
import { renderMailView, subscriptionReason, type RenderedMail } from '../mail/mail-view.ts';
import { cleanPersonalText, type PersonalValues } from '../mail/placeholders.ts';
import { frequencyLabel, type Frequency } from '../shared/frequency.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Db } from '../store/database.ts';
import { confirmationUrl, subscriberLinks } from './subscriber-links.ts';

/**
 * The mail a subscriber gets apart from editions: the confirmation, the welcome and the manage
 * link (asked for on /manage, see manage-link.service.ts). Their
 * content depends only on the site, the frequency and (for the welcome) the latest articles, so
 * they too are rendered once per combination and personalised per subscriber.
 */
export interface TransactionalContent {
  kind: TransactionalKind;
  frequency: Frequency;
  /** For the welcome mail: the latest articles, newest first. */
  latest: readonly Article[];
}

/** How many of the latest articles the welcome mail lists. */
const WELCOME_ARTICLES = 5;

/**
 * What a transactional mail of `kind` to a subscriber of `frequency` contains now: the welcome
 * lists the latest published articles; the others list none.
 */
export async function loadTransactionalContent(
  db: Db,
  now: Date,
  kind: TransactionalKind,
  frequency: Frequency,
): Promise<TransactionalContent> {
  return { kind, frequency, latest: kind === 'welcome' ? await listPublishedArticles(db, { now, limit: WELCOME_ARTICLES }) : [] };
}

/** The key under which one rendering serves every subscriber with the same content. */
export function transactionalCacheKey(content: TransactionalContent): string {
  return `${content.kind}:${content.frequency}:${content.latest.map((a) => `${a.id}@${a.updatedAt?.toISOString() ?? ''}`).join(',')}`;
}

export async function renderTransactional(templates: MailTemplates, config: Config, content: TransactionalContent): Promise<RenderedMail> {
  const label = frequencyLabel(content.frequency);
  if (content.kind === 'confirmation') {
    const hours = config.subscriptions.confirmationTtlHours;
    const ttlLabel = hours % 24 === 0 ? `${hours / 24} day${hours === 24 ? '' : 's'}` : `${hours} hour${hours === 1 ? '' : 's'}`;
    return renderMailView(templates, config, {
      template: 'confirmation',
      subject: `Confirm your subscription to ${config.site.title}`,
      preheader: `One click to start receiving ${config.site.title}.`,
      reason: `You receive this because someone, probably you, asked to subscribe this address to ${config.site.title}.`,
      manageLinks: false,
      category: 'confirmation',
      data: { frequencyLabel: label, ttlLabel },
    });
  }
  if (content.kind === 'manage') {
    return renderMailView(templates, config, {
      template: 'manage',
      subject: `Your link to manage your subscription to ${config.site.title}`,
      preheader: 'Change how often you get mail, or unsubscribe.',
      reason: subscriptionReason(config, label),
      manageLinks: true,
      category: 'manage',
      data: { frequencyLabel: label },
    });
  }
  return renderMailView(templates, config, {
    template: 'welcome',
    subject: `Welcome to ${config.site.title}`,
    preheader: `You are subscribed: ${label}.`,
    reason: subscriptionReason(config, label),
    manageLinks: true,
    category: 'welcome',
    data: { frequencyLabel: label, cards: content.latest.map((a) => toArticleCard(config, a)) },
  });
}

/**
 * A subscriber's own values in a message: the greeting and their signed links. `params` are the
 * delivery's (a confirmation carries the id of its confirmation row, signed here at send time).
 */
export function personalValuesOf(
  config: Config,
  signer: LinkSigner,
  subscriber: { id: string; name: string | null },
  params: Readonly<Record<string, string>>,
): PersonalValues {
  const links = subscriberLinks(config.site.baseUrl, signer, subscriber.id);
  const name = subscriber.name ? cleanPersonalText(subscriber.name) : '';
  return {
    greeting: name ? `Hello ${name},` : 'Hello,',
    unsubscribeUrl: links.unsubscribeUrl,
    preferencesUrl: links.preferencesUrl,
    confirmUrl: params.confirmationId ? confirmationUrl(config.site.baseUrl, signer, params.confirmationId) : '',
  };
}
