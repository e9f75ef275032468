import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Db } from '../store/database.ts';
import type { Article } from './article.ts';
import { countPublishedArticles, findArticleBySlug, listPublishedArticles } from './article.repository.ts';
import { isValidSlug } from './parse-article-file.ts';

/** One page of the newest-first list of published articles. */
export interface ArticleListPage {
  articles: Article[];
  /** 1-based. */
  page: number;
  /** At least 1: an empty site still has a first page. */
  pageCount: number;
  total: number;
}

/** What readers may see, as of the clock: embargoed articles do not exist yet, deleted ones are gone. */
export interface ArticleReader {
  /** Throws NotFound for a page past the last one. Two queries whatever the page size. */
  listPage(page: number, pageSize: number): Promise<ArticleListPage>;
  /** Throws NotFound for an unknown or embargoed slug and Gone for an article whose file was removed. */
  readArticle(slug: string): Promise<Article>;
}

export function createArticleReader(deps: { db: Db; clock: Clock }): ArticleReader {
  return {
    async listPage(page, pageSize) {
      if (!Number.isSafeInteger(page) || page < 1) throw new GazetteError('BadRequest', 'The page number must be a whole number from 1.');
      const now = deps.clock.now();
      const [total, articles] = await Promise.all([
        countPublishedArticles(deps.db, now),
        listPublishedArticles(deps.db, { now, limit: pageSize, offset: (page - 1) * pageSize }),
      ]);
      const pageCount = Math.max(1, Math.ceil(total / pageSize));
      if (page > pageCount)
        throw new GazetteError('NotFound', `There is no page ${page}: the articles fill ${pageCount} page${pageCount === 1 ? '' : 's'}.`);
      return { articles, page, pageCount, total };
    },

    async readArticle(slug) {
      const notFound = new GazetteError('NotFound', 'No article is published at this address.');
      if (!isValidSlug(slug)) throw notFound;
      const article = await findArticleBySlug(deps.db, slug);
      const now = deps.clock.now();
      // An embargoed article must be indistinguishable from one that never existed, and so must
      // one deleted before its embargo ended: it was never public, so it is not "gone".
      if (!article || article.publishedAt > now) throw notFound;
      if (article.deletedAt) {
        if (article.deletedAt < article.publishedAt) throw notFound;
        throw new GazetteError('Gone', 'This article has been withdrawn and is no longer available.');
      }
      return article;
    },
  };
}
