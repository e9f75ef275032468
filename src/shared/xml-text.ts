/**
 * Characters XML 1.0 forbids (C0 controls but tab, LF, CR; U+FFFE/U+FFFF; lone surrogates).
 * Stripped from every string that reaches a feed, a page or a mail: one such character makes
 * a whole feed unreadable.
 */
/* eslint-disable no-control-regex -- the pattern matches control characters on purpose */
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/* eslint-enable no-control-regex */

export function stripXmlForbidden(text: string): string {
  return text.replace(FORBIDDEN, '');
}

/**
 * DEL and the C1 controls (U+007F–U+009F). XML 1.0 allows them but discourages them, and no
 * article means one: U+0085 makes the W3C Feed Validator report "bad characters", feedparser
 * shows a stray glyph and html5lib rejects a page holding it. Almost always a Windows-1252 file
 * decoded as Latin-1 somewhere upstream.
 */
const CONTROLS = /[\u007F-\u009F]/g;

/**
 * The one normalisation of article text: what XML forbids and the C1 controls are removed.
 * Seed files go through it once, when they are parsed, so every output (feeds, pages, mail)
 * gets the same text.
 */
export function stripControlCharacters(text: string): string {
  return stripXmlForbidden(text).replace(CONTROLS, '');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML/XML element content and attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}
