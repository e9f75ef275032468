import type { ArticleListPage } from '../../articles/article-reader.service.ts';
import type { Article } from '../../articles/article.ts';
import { articlePath } from '../../articles/article-url.ts';
import type { Config } from '../../config/config.schema.ts';
import type { ViewRenderer } from './view-renderer.ts';

/** What the page templates get: strings ready to print, dates already formatted for the site. */

export interface DateView {
  iso: string;
  text: string;
}

export interface ArticleSummaryView {
  title: string;
  href: string;
  published: DateView;
  summary: string;
}

function presentDate(date: Date, views: ViewRenderer): DateView {
  return { iso: date.toISOString(), text: views.formatDate(date) };
}

export function presentArticleSummary(article: Article, views: ViewRenderer): ArticleSummaryView {
  return {
    title: article.title,
    href: articlePath(article.slug),
    published: presentDate(article.publishedAt, views),
    summary: article.summary,
  };
}

export function presentArticle(article: Article, views: ViewRenderer) {
  const edited = article.updatedAt && article.updatedAt > article.publishedAt ? article.updatedAt : null;
  return {
    title: article.title,
    paragraphs: article.paragraphs,
    published: presentDate(article.publishedAt, views),
    updated: edited ? presentDate(edited, views) : null,
  };
}

/** `/` for the first page, `/?page=N` after it: one address per page. */
export function homePagePath(page: number): string {
  return page === 1 ? '/' : `/?page=${page}`;
}

export function presentHomePage(list: ArticleListPage, views: ViewRenderer, config: Config, formStamp: string) {
  const { page, pageCount } = list;
  return {
    articles: list.articles.map((a) => presentArticleSummary(a, views)),
    heading: page === 1 ? 'Latest articles' : `Latest articles, page ${page} of ${pageCount}`,
    isFirstPage: page === 1,
    pagination: {
      show: pageCount > 1,
      newerHref: page > 1 ? homePagePath(page - 1) : null,
      olderHref: page < pageCount ? homePagePath(page + 1) : null,
    },
    subscribe: {
      frequencies: views.frequencyChoices(),
      consentText: config.subscriptions.consentText,
      guard: { stamp: formStamp },
      // The proof of work's script runs only on /subscribe: with it on, the home page links there.
      proofOfWork: config.subscriptions.proofOfWork.enabled,
    },
    feedLinks: views.feedLinks,
  };
}
