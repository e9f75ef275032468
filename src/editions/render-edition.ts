import type { Article } from '../articles/article.ts';
import { deriveSummary } from '../articles/derive-title.ts';
import { formatArticleDate, toArticleCard } from '../articles/article-card.ts';
import { articleUrl } from '../articles/article-url.ts';
import type { Config } from '../config/config.schema.ts';
import type { MailTemplates } from '../mail/mail-templates.ts';
import { renderMailView, subscriptionReason, type RenderedMail } from '../mail/mail-view.ts';
import { frequencyLabel, type Frequency } from '../shared/frequency.ts';

/**
 * An edition's mail, rendered once: a digest (daily, weekly) or the whole article (instant).
 * The HTML always stays under config.mail.maxHtmlBytes (Gmail clips at about 102 KB and hides the
 * footer with the unsubscribe link), whatever the articles: past it, a digest lists its later
 * articles by title only and then stops listing (linking to the site); an instant mail is cut at a
 * word, however long its first paragraph, and links to the full article.
 */
export interface EditionContent {
  frequency: Frequency;
  periodEnd: Date;
  /** Newest first: the top of a mail is what a reader sees, and cuts for size fall on the oldest. */
  articles: readonly Article[];
}

/** Room kept for the personal values, longer than the placeholder tokens they replace. */
const PERSONAL_SLACK_BYTES = 2048;

export async function renderEdition(templates: MailTemplates, config: Config, content: EditionContent): Promise<RenderedMail> {
  const budget = config.mail.maxHtmlBytes - PERSONAL_SLACK_BYTES;
  if (content.frequency === 'instant') {
    const article = content.articles[0]!;
    return fitBudget((chars) => renderInstant(templates, config, article, chars), textLength(article.paragraphs), budget);
  }
  // First fewer cards (summaries), every article still listed by title; then fewer titles.
  const all = content.articles.length;
  const mail = await fitBudget((cards) => renderDigest(templates, config, content, { cards, listed: all }), all, budget);
  if (htmlBytes(mail) <= budget) return mail;
  return fitBudget((listed) => renderDigest(templates, config, content, { cards: 0, listed }), all, budget);
}

/** Renders with `shown` at `full`, then shrinks it in proportion to the overshoot until the mail fits `budget`: two or three passes (≈10 ms each). */
async function fitBudget(render: (shown: number) => Promise<RenderedMail>, full: number, budget: number): Promise<RenderedMail> {
  let shown = full;
  let mail = await render(shown);
  for (let size = htmlBytes(mail); size > budget && shown > 0; size = htmlBytes(mail)) {
    shown = Math.max(0, Math.min(shown - 1, Math.floor((shown * budget) / size)));
    mail = await render(shown);
  }
  return mail;
}

function htmlBytes(mail: RenderedMail): number {
  return mail.html.parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
}

function textLength(paragraphs: readonly string[]): number {
  return paragraphs.reduce((n, p) => n + p.length, 0);
}

/** The paragraphs that fit in `chars` characters, the last one cut at a word (with an ellipsis). */
export function cutParagraphs(paragraphs: readonly string[], chars: number): string[] {
  const kept: string[] = [];
  let left = chars;
  for (const paragraph of paragraphs) {
    if (paragraph.length <= left) {
      kept.push(paragraph);
      left -= paragraph.length;
      continue;
    }
    if (left > 0) kept.push(deriveSummary([paragraph], left));
    break;
  }
  return kept;
}

/** `cards` articles with their summary, then titles only up to `listed` articles; the rest counted. */
function renderDigest(
  templates: MailTemplates,
  config: Config,
  content: EditionContent,
  shown: { cards: number; listed: number },
): Promise<RenderedMail> {
  const { articles } = content;
  const { listed, cards: fullCards } = shown;
  const label = content.frequency === 'daily' ? 'daily' : 'weekly';
  const date = formatArticleDate(config, content.periodEnd);
  const count = articles.length === 1 ? '1 new article' : `${articles.length} new articles`;
  return renderMailView(templates, config, {
    template: 'digest',
    subject: articles.length === 1 ? `${config.site.title}: ${articles[0]!.title}` : `${config.site.title} ${label}: ${count}`,
    preheader: articles
      .slice(0, 3)
      .map((a) => a.title)
      .join(' · '),
    reason: subscriptionReason(config, frequencyLabel(content.frequency)),
    manageLinks: true,
    category: label,
    data: {
      intro: `Your ${label} digest of ${date}: ${count}.`,
      cards: articles.slice(0, fullCards).map((a) => toArticleCard(config, a)),
      more: articles
        .slice(fullCards, listed)
        .map((a) => ({ title: a.title, url: articleUrl(config.site.baseUrl, a.slug), date: formatArticleDate(config, a.publishedAt) })),
      unlisted: articles.length - listed,
      alsoInEdition: listed > fullCards || listed < articles.length,
    },
  });
}

function renderInstant(templates: MailTemplates, config: Config, article: Article, chars: number): Promise<RenderedMail> {
  const paragraphs = cutParagraphs(article.paragraphs, chars);
  return renderMailView(templates, config, {
    template: 'instant',
    subject: article.title,
    preheader: article.summary,
    reason: subscriptionReason(config, frequencyLabel('instant')),
    manageLinks: true,
    category: 'instant',
    data: {
      article: {
        title: article.title,
        url: articleUrl(config.site.baseUrl, article.slug),
        date: formatArticleDate(config, article.publishedAt),
        paragraphs,
        truncated: chars < textLength(article.paragraphs),
      },
    },
  });
}
