import type { Config } from '../config/config.schema.ts';
import type { Article } from './article.ts';
import { articleUrl } from './article-url.ts';

/** An article as mail lists it (digest cards, the welcome mail's latest articles). */
export interface ArticleCard {
  title: string;
  url: string;
  date: string;
  summary: string;
}

/** The article's date as the site's readers read it: the site's language and time zone. */
export function formatArticleDate(config: Config, date: Date): string {
  return new Intl.DateTimeFormat(config.site.language, { dateStyle: 'long', timeZone: config.site.timezone }).format(date);
}

export function toArticleCard(config: Config, article: Article): ArticleCard {
  return {
    title: article.title,
    url: articleUrl(config.site.baseUrl, article.slug),
    date: formatArticleDate(config, article.publishedAt),
    summary: article.summary,
  };
}
