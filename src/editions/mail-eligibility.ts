import type { Article } from '../articles/article.ts';

/**
 * Which articles are news to mail, for every frequency alike (instant, daily, weekly). The one
 * place that says when an article "became visible"; the edition repository selects with the same
 * rule in SQL (first ingested and published, both by a given moment).
 */

/** Articles dated more than this before they became visible are archive imports: never mailed as news. */
export const ARCHIVE_IMPORT_MS = 48 * 3600_000;

/**
 * When readers could first see the article: the later of its first ingest (`createdAt`, never
 * moved by edits or renames) and its publication time (the end of its embargo). Editions are built
 * on this moment, never on the article's date alone: a file dated at midnight but dropped at noon
 * became visible at noon, so it goes in the next edition after noon.
 */
export function visibleSince(article: Pick<Article, 'publishedAt' | 'createdAt'>): Date {
  return article.publishedAt > article.createdAt ? article.publishedAt : article.createdAt;
}

/** Dated long before it became visible: an import of old writing, not news (published in feeds, never mailed). */
export function isArchiveImport(article: Pick<Article, 'publishedAt' | 'createdAt'>): boolean {
  return article.publishedAt.getTime() < visibleSince(article).getTime() - ARCHIVE_IMPORT_MS;
}
