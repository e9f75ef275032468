import type { Article } from '../articles/article.ts';
import type { Config, Frequency } from '../config/config.schema.ts';
import type { MailTemplates } from '../mail/mail-templates.ts';
import { articleUrl, formatArticleDate, reasonFor, renderMailView, toArticleCard, type RenderedMail } from '../mail/mail-view.ts';

/**
 * An edition's mail, rendered once: a digest (daily, weekly) or the whole article (instant).
 * The HTML must stay under config.mail.maxHtmlBytes (Gmail clips at about 102 KB): past it, a
 * digest lists its later articles by title only, and an instant mail ends with a link to the rest.
 */
export interface EditionContent {
  frequency: Frequency;
  periodEnd: Date;
  articles: readonly Article[];
}

/** Room kept for the personal values, longer than the placeholder tokens they replace. */
const PERSONAL_SLACK_BYTES = 2048;

export async function renderEdition(templates: MailTemplates, config: Config, content: EditionContent): Promise<RenderedMail> {
  const budget = config.mail.maxHtmlBytes - PERSONAL_SLACK_BYTES;
  const render = content.frequency === 'instant' ? (n: number) => renderInstant(templates, config, content.articles[0]!, n) : (n: number) => renderDigest(templates, config, content, n);
  let full = content.frequency === 'instant' ? content.articles[0]!.paragraphs.length : content.articles.length;
  let mail = await render(full);
  // Each pass shrinks in proportion to the overshoot; two or three passes (≈10 ms each) suffice.
  for (let size = htmlBytes(mail); size > budget && full > 0; size = htmlBytes(mail)) {
    full = Math.max(0, Math.min(full - 1, Math.floor((full * budget) / size)));
    mail = await render(full);
  }
  return mail;
}

function htmlBytes(mail: RenderedMail): number {
  return mail.html.parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
}

function renderDigest(templates: MailTemplates, config: Config, content: EditionContent, fullCards: number): Promise<RenderedMail> {
  const { articles } = content;
  const label = content.frequency === 'daily' ? 'daily' : 'weekly';
  const date = formatArticleDate(config, content.periodEnd);
  const count = articles.length === 1 ? '1 new article' : `${articles.length} new articles`;
  return renderMailView(templates, config, {
    template: 'digest',
    subject: articles.length === 1 ? `${config.site.title}: ${articles[0]!.title}` : `${config.site.title} ${label}: ${count}`,
    preheader: articles.slice(0, 3).map((a) => a.title).join(' · '),
    reason: reasonFor(config, content.frequency),
    manageLinks: true,
    category: label,
    data: {
      intro: `Your ${label} digest of ${date}: ${count}.`,
      cards: articles.slice(0, fullCards).map((a) => toArticleCard(config, a)),
      more: articles.slice(fullCards).map((a) => ({ title: a.title, url: articleUrl(config, a.slug), date: formatArticleDate(config, a.publishedAt) })),
    },
  });
}

function renderInstant(templates: MailTemplates, config: Config, article: Article, paragraphs: number): Promise<RenderedMail> {
  return renderMailView(templates, config, {
    template: 'instant',
    subject: article.title,
    preheader: article.summary,
    reason: reasonFor(config, 'instant'),
    manageLinks: true,
    category: 'instant',
    data: {
      article: {
        title: article.title,
        url: articleUrl(config, article.slug),
        date: formatArticleDate(config, article.publishedAt),
        paragraphs: article.paragraphs.slice(0, Math.max(1, paragraphs)),
        truncated: paragraphs < article.paragraphs.length,
      },
    },
  });
}
