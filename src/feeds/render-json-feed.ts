import { lastChangeOf, type Article } from '../articles/article.ts';
import { articleUrl } from '../articles/article-url.ts';
import { articleTagId, cleanText, paragraphsToHtml } from './feed-text.ts';
import { feedPageLinks, type FeedPage, type FeedSettings } from './feed-page.ts';

/**
 * JSON Feed 1.1, written as a plain object: the `feed` package writes 1.0 only. History is
 * paged with `next_url` (the spec's paging: the subscription document points at the newest
 * archive page, each page at the next older one), and the RFC 5005 relations are repeated under
 * `_archive` so tools that know them can walk both ways. Key order is fixed, so the same
 * articles give the same bytes.
 */
export function renderJsonFeed(settings: FeedSettings, page: FeedPage): string {
  const { site } = settings;
  const links = feedPageLinks(site.baseUrl, 'json', page);
  const author = { name: cleanText(site.author.name), ...(site.author.email ? { url: `mailto:${site.author.email}` } : {}) };
  const document: Record<string, unknown> = {
    version: 'https://jsonfeed.org/version/1.1',
    title: cleanText(site.title),
    home_page_url: `${site.baseUrl}/`,
    // The subscription document's URL even on archive pages: it names the feed, and a reader subscribing from a page must get the live feed.
    feed_url: links.current,
    description: cleanText(site.description),
    language: site.language,
    authors: [author],
  };
  if (links.prevArchive) document.next_url = links.prevArchive;
  if (!page.archivePage && settings.hub) document.hubs = [{ type: 'WebSub', url: settings.hub }];
  document._archive = archiveMarker(page, links);
  document.items = page.articles.map((article) => jsonItem(settings, article, author));
  return `${JSON.stringify(document, null, 2)}\n`;
}

function archiveMarker(page: FeedPage, links: ReturnType<typeof feedPageLinks>): Record<string, unknown> {
  const marker: Record<string, unknown> = { archive: page.archivePage !== undefined, updated: page.updated.toISOString() };
  if (page.archivePage) marker.current = links.current;
  if (links.prevArchive) marker.prev_archive = links.prevArchive;
  if (links.nextArchive) marker.next_archive = links.nextArchive;
  return marker;
}

function jsonItem(settings: FeedSettings, article: Article, author: { name: string }): Record<string, unknown> {
  const { site } = settings;
  return {
    id: articleTagId(site.baseUrl, site.timezone, article),
    url: articleUrl(site.baseUrl, article.slug),
    title: cleanText(article.title),
    content_html: paragraphsToHtml(article.paragraphs),
    summary: cleanText(article.summary),
    date_published: article.publishedAt.toISOString(),
    date_modified: lastChangeOf(article).toISOString(),
    authors: [author],
    language: site.language,
  };
}
