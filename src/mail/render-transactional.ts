import type { Article } from '../articles/article.ts';
import type { Config, Frequency } from '../config/config.schema.ts';
import type { TransactionalKind } from './mail-queue.ts';
import type { MailTemplates } from './mail-templates.ts';
import { frequencyLabels, reasonFor, renderMailView, toArticleCard, type RenderedMail } from './mail-view.ts';

/**
 * Confirmation and welcome mails. Their content depends only on the site, the frequency and
 * (for the welcome) the latest articles, so they too are rendered once per combination and
 * personalised per subscriber.
 */
export interface TransactionalContent {
  kind: TransactionalKind;
  frequency: Frequency;
  /** For the welcome mail: the latest articles, newest first. */
  latest: readonly Article[];
}

export function transactionalCacheKey(content: TransactionalContent): string {
  return `${content.kind}:${content.frequency}:${content.latest.map((a) => `${a.id}@${a.updatedAt?.toISOString() ?? ''}`).join(',')}`;
}

export async function renderTransactional(templates: MailTemplates, config: Config, content: TransactionalContent): Promise<RenderedMail> {
  const frequencyLabel = frequencyLabels[content.frequency];
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
      data: { frequencyLabel, ttlLabel },
    });
  }
  return renderMailView(templates, config, {
    template: 'welcome',
    subject: `Welcome to ${config.site.title}`,
    preheader: `You are subscribed: ${frequencyLabel}.`,
    reason: reasonFor(config, content.frequency),
    manageLinks: true,
    category: 'welcome',
    data: { frequencyLabel, cards: content.latest.map((a) => toArticleCard(config, a)) },
  });
}
