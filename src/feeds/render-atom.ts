import { Feed, type Item } from 'feed';
import { lastChangeOf, type Article } from '../articles/article.ts';
import { articleUrl } from '../articles/article-url.ts';
import { escapeHtml } from '../shared/xml-text.ts';
import { articleTagId, cleanText, forCdataHtml, forXmlText, paragraphsToHtml, plainToHtml } from './feed-text.ts';
import { FEED_HISTORY_NS, GENERATOR, feedPageLinks, type FeedPage, type FeedSettings } from './feed-page.ts';

const ATOM_ROOT = '<feed xmlns="http://www.w3.org/2005/Atom">';

/**
 * Atom 1.0 (RFC 4287) through the `feed` package, with its defects guarded:
 * - titles and summaries are plain text HTML-escaped once, because the package always writes
 *   `type="html"` (a raw "Use <div> & co" would read as "Use " in newsboat);
 * - the self link comes from `feedLinks.atom`, never the shared `feed` option;
 * - `updated` is always given; every entry has its own `author` (readers do not inherit it);
 * - the package has no `xml:lang` and no way to add RFC 5005 links: they are added to the
 *   root element, whose exact text is checked so a package upgrade cannot skip them silently.
 */
export function renderAtom(settings: FeedSettings, page: FeedPage): string {
  const { site } = settings;
  const links = feedPageLinks(site.baseUrl, 'atom', page);
  const feed = new Feed({
    // One id for the logical feed: archive pages share the subscription document's id.
    id: links.current,
    title: forXmlText(site.title),
    description: forXmlText(site.description),
    link: `${site.baseUrl}/`,
    updated: page.updated,
    generator: GENERATOR,
    feedLinks: { atom: links.self },
    author: { name: forXmlText(site.author.name), ...(site.author.email ? { email: forXmlText(site.author.email) } : {}) },
    ...(!page.archivePage && settings.hub ? { hub: settings.hub } : {}),
    ...(site.copyright ? { copyright: forXmlText(site.copyright) } : {}),
  });
  for (const article of page.articles) feed.addItem(atomEntry(settings, article));
  const xml = feed.atom1();
  if (!xml.includes(ATOM_ROOT)) throw new Error('the feed package no longer writes the Atom root element Gazette extends');
  return xml.replace(ATOM_ROOT, rootWithHistory(site.language, page, links));
}

function rootWithHistory(language: string, page: FeedPage, links: ReturnType<typeof feedPageLinks>): string {
  const attrs = ` xml:lang="${escapeHtml(language)}"${page.archivePage ? ` xmlns:fh="${FEED_HISTORY_NS}"` : ''}`;
  const extra: string[] = [];
  if (page.archivePage) extra.push('<fh:archive/>', link('current', links.current));
  if (links.prevArchive) extra.push(link('prev-archive', links.prevArchive));
  if (links.nextArchive) extra.push(link('next-archive', links.nextArchive));
  return ATOM_ROOT.replace('>', `${attrs}>`) + extra.map((e) => `\n    ${e}`).join('');
}

function link(rel: string, href: string): string {
  return `<link rel="${rel}" type="application/atom+xml" href="${escapeHtml(href)}"/>`;
}

function atomEntry(settings: FeedSettings, article: Article): Item {
  const { site } = settings;
  return {
    title: plainToHtml(article.title),
    id: articleTagId(site.baseUrl, site.timezone, article),
    link: articleUrl(site.baseUrl, article.slug),
    date: lastChangeOf(article),
    published: article.publishedAt,
    description: plainToHtml(article.summary),
    content: forCdataHtml(paragraphsToHtml(article.paragraphs.map(cleanText))),
    author: [{ name: forXmlText(site.author.name), ...(site.author.email ? { email: forXmlText(site.author.email) } : {}) }],
  };
}
