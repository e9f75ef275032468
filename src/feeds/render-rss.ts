import { Feed, type Extension, type Item } from 'feed';
import type { Article } from '../articles/article.ts';
import { articleUrl } from '../articles/article-url.ts';
import { articleTagId, cleanText, forCdataHtml, forXmlAttribute, forXmlText, paragraphsToHtml, plainToHtml } from './feed-text.ts';
import { FEED_HISTORY_NS, GENERATOR, feedPageLinks, type FeedPage, type FeedSettings } from './feed-page.ts';

/**
 * RSS 2.0 through the `feed` package, with its defects guarded:
 * - the self link comes from `feedLinks.rss`, never the shared `feed` option;
 * - `updated` is always given (the package would use the time of rendering);
 * - authors are `dc:creator` (a name-only `<author>` is invalid RSS);
 * - every item has `content`, so `xmlns:dc`/`xmlns:content` are always declared;
 * - titles go in as escaped text, not CDATA, so no "]]>" can end a section early;
 * - items are built fresh on every call (the package may mutate them).
 */
export function renderRss(settings: FeedSettings, page: FeedPage): string {
  const { site } = settings;
  const links = feedPageLinks(site.baseUrl, 'rss', page);
  const feed = new Feed({
    title: forXmlText(site.title),
    description: forXmlText(site.description),
    link: `${site.baseUrl}/`,
    language: site.language,
    updated: page.updated,
    generator: GENERATOR,
    ttl: settings.ttlMinutes,
    feedLinks: { rss: links.self },
    ...(site.copyright ? { copyright: forXmlText(site.copyright) } : {}),
  });
  for (const article of page.articles) feed.addItem(rssItem(settings, article));
  // Replaces the package's self link (it keeps its place in the channel) with the full set.
  // xml-js writes an array as repeated elements; the package's type only says "object".
  feed.addExtension({ name: 'atom:link', objects: atomLinks(settings, page) as unknown as Record<string, unknown> });
  if (page.archivePage) feed.addExtension({ name: 'fh:archive', objects: { _attributes: { 'xmlns:fh': FEED_HISTORY_NS } } });
  return feed.rss2();
}

function atomLinks(settings: FeedSettings, page: FeedPage): { _attributes: Record<string, string> }[] {
  const links = feedPageLinks(settings.site.baseUrl, 'rss', page);
  const link = (href: string, rel: string, type?: string) => ({
    _attributes: { href: forXmlAttribute(href), rel, ...(type ? { type } : {}) },
  });
  const out = [link(links.self, 'self', 'application/rss+xml')];
  if (!page.archivePage && settings.hub) out.push(link(settings.hub, 'hub'));
  if (page.archivePage) out.push(link(links.current, 'current', 'application/rss+xml'));
  if (links.prevArchive) out.push(link(links.prevArchive, 'prev-archive', 'application/rss+xml'));
  if (links.nextArchive) out.push(link(links.nextArchive, 'next-archive', 'application/rss+xml'));
  return out;
}

function rssItem(settings: FeedSettings, article: Article): Item {
  const { site } = settings;
  const extensions: Extension[] = [
    { name: 'title', objects: { _text: forXmlText(article.title) } },
    { name: 'dc:creator', objects: { _text: forXmlText(site.author.name) } },
  ];
  return {
    // Empty: the title is written by the extension above as escaped text (see the header comment).
    title: '',
    id: articleTagId(site.baseUrl, site.timezone, article),
    link: articleUrl(site.baseUrl, article.slug),
    date: article.publishedAt,
    published: article.publishedAt,
    description: plainToHtml(article.summary),
    content: forCdataHtml(paragraphsToHtml(article.paragraphs.map(cleanText))),
    extensions,
  };
}
