import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { feedFormats, type FeedFormat } from '../../src/feeds/feed-links.ts';
import { newestChange, type FeedPage } from '../../src/feeds/feed-page.ts';
import { renderers } from '../../src/feeds/renderers.ts';
import { buildFeedArticle, buildFeedSettings } from './feed-fixtures.ts';

/**
 * The golden article (unicode, every escaping path, a long paragraph, an edit after publication)
 * rendered with fixed settings and compared byte for byte with reviewed snapshots in
 * test/feeds/snapshots/. A change to a renderer must come with a reviewed change to these files.
 */
const settings = buildFeedSettings({
  site: { title: 'Gazette & Friends', description: 'News <and> analysis', language: 'en-GB', copyright: '© 2025 Gazette' },
  feeds: { websubHub: 'https://hub.example.net/hub', maxAgeSeconds: 900 },
});
const golden = buildFeedArticle({
  slug: 'western-leaders-convene-to-discuss-security-guarantees-for-ukraine',
  title: 'Western leaders convene to discuss security guarantees for Ukraine',
  summary: 'About 30 Western leaders — “in person & online” — met in Paris <again> to discuss…',
  paragraphs: [
    'About 30 Western leaders — “in person & online” — met in Paris <again> to discuss security guarantees for Ukraine, with ]]> in the text.',
    `Zelenskiy said: "We are ready." Café, naïve, Ελληνικά, 日本語, 🇺🇦. ${'A long paragraph keeps going. '.repeat(12).trim()}`,
  ],
  publishedAt: new Date('2025-09-03T23:00:00Z'),
  createdAt: new Date('2025-09-03T23:05:00Z'),
  updatedAt: new Date('2025-09-04T07:30:00Z'),
});
const plain = buildFeedArticle({
  slug: 'a-plain-article',
  title: 'A plain article',
  summary: 'Short.',
  paragraphs: ['Short.'],
  publishedAt: new Date('2025-09-01T12:00:00Z'),
});
const articles = [golden, plain];

const pages: Record<string, FeedPage> = {
  subscription: { articles, updated: newestChange(articles), prevArchivePage: 2 },
  archive: { articles, updated: newestChange(articles), archivePage: 2, prevArchivePage: 1, nextArchivePage: 3 },
};
const extension: Record<FeedFormat, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'json' };

describe('golden feeds', () => {
  for (const [name, page] of Object.entries(pages)) {
    for (const format of feedFormats) {
      it(`${name} document, ${format}, matches its snapshot`, () => {
        const file = new URL(`./snapshots/${name}.${extension[format]}`, import.meta.url);
        assert.equal(renderers[format](settings, page), readFileSync(file, 'utf8'));
      });
    }
  }
});
