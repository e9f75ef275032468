import { escapeHtml, stripXmlForbidden } from '../shared/xml-text.ts';
import { Temporal } from 'temporal-polyfill';
import type { Article } from '../articles/article.ts';

/**
 * Guards between our text and the `feed` package (6.0.0) and its writer (xml-js 1.6.11).
 * Each one answers a defect listed in docs/feed-package-defects.md.
 */

/** Removes characters XML 1.0 forbids: one of them makes the whole document unreadable. */
export function cleanText(text: string): string {
  return stripXmlForbidden(text);
}

/**
 * For text xml-js writes as element content (`_text`). xml-js first turns every "&amp;" back
 * into "&" before escaping ("desanitize"), so a literal "&amp;" in a title would read back as
 * "&". Escaping "&" once here makes its round trip exact; "<" and ">" it escapes itself.
 */
export function forXmlText(text: string): string {
  return cleanText(text).replace(/&/g, '&amp;');
}

/**
 * For HTML that goes into a CDATA section. xml-js splits only the first "]]>", so a second one
 * ends the section early and breaks the XML. In HTML, "]]&gt;" means exactly "]]>".
 */
export function forCdataHtml(html: string): string {
  return cleanText(html).replace(/]]>/g, ']]&gt;');
}

/** Plain text as HTML (titles and summaries in Atom `type="html"`, RSS description). */
export function plainToHtml(text: string): string {
  return forCdataHtml(escapeHtml(cleanText(text)));
}

/**
 * An article's body as HTML: one escaped `<p>` per paragraph. No links inside, so no relative
 * URLs. Never empty: the feed package declares `xmlns:dc` only when some item has content, and
 * every RSS item uses `dc:creator`.
 */
export function paragraphsToHtml(paragraphs: readonly string[]): string {
  return paragraphs.map((p) => `<p>${escapeHtml(cleanText(p))}</p>`).join('\n') || '<p></p>';
}

/**
 * For a value xml-js writes as an attribute: it escapes only `"` there (feed #249), so `&` and
 * `<` are escaped here (and `"` left to it, or it would be escaped twice).
 */
export function forXmlAttribute(value: string): string {
  return cleanText(value).replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/**
 * The one id of an article in all three formats: a `tag:` URI (RFC 4151) from the site's host,
 * the publication date in the site's timezone, and the slug, e.g.
 * `tag:news.example.com,2025-09-04:western-leaders-…`. Why this shape:
 * - it comes from the seed file alone, so a store rebuilt from `seeds/` gives the same ids
 *   (a database UUID would not, and every reader would show every article again);
 * - it is not the article URL, so moving the site to another path keeps ids stable while the
 *   links follow the new base URL;
 * - the date keeps a slug reused years later for another article from colliding with the first.
 * The host is taken without its port: tag URIs name an authority, not a socket.
 */
export function articleTagId(baseUrl: string, timeZone: string, article: Pick<Article, 'slug' | 'publishedAt'>): string {
  const host = new URL(baseUrl).hostname;
  const date = Temporal.Instant.fromEpochMilliseconds(article.publishedAt.getTime()).toZonedDateTimeISO(timeZone).toPlainDate().toString();
  return `tag:${host},${date}:${article.slug}`;
}
