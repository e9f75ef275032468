import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { Express } from 'express';
import { XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import type { Article } from '../../src/articles/article.ts';
import type { Config } from '../../src/config/config.schema.ts';
import { feedSettingsFrom, type FeedSettings } from '../../src/feeds/feed-page.ts';
import { loadConfig } from '../../src/config/load-config.ts';

/** Settings for the pure renderers, from the real schema with test overrides. */
export function buildFeedSettings(overrides: { site?: Record<string, unknown>; feeds?: Record<string, unknown> } = {}): FeedSettings {
  const config: Config = loadConfig({
    env: {},
    overrides: {
      site: { baseUrl: 'https://news.example.com', timezone: 'Europe/London', ...overrides.site },
      paths: { seedsDir: '/nonexistent/seeds', dataDir: '/nonexistent/data' },
      feeds: { ...overrides.feeds },
    } as never,
  });
  return feedSettingsFrom(config);
}

let serial = 0;

/** An Article built directly (no store), for the pure renderers. */
export function buildFeedArticle(overrides: Partial<Article> = {}): Article {
  serial += 1;
  const slug = overrides.slug ?? `article-${serial}`;
  const publishedAt = overrides.publishedAt ?? new Date(Date.UTC(2025, 8, 4, 9, serial % 60));
  return {
    id: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    slug,
    title: `Article ${serial}`,
    summary: `Summary of ${slug}.`,
    paragraphs: [`First paragraph of ${slug}.`, 'Second paragraph.'],
    sourceFile: `${slug}.txt`,
    publishedAt,
    createdAt: publishedAt,
    updatedAt: null,
    deletedAt: null,
    ...overrides,
  };
}

/** Fails unless `xml` is well-formed and every namespace prefix it uses is declared. */
export function assertWellFormedXml(xml: string): void {
  const verdict = XMLValidator.validate(xml);
  assert.equal(verdict, true, `not well-formed: ${JSON.stringify(verdict)}`);
  const outsideCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const declared = new Set([...outsideCdata.matchAll(/xmlns:([A-Za-z][\w.-]*)=/g)].map((m) => m[1]));
  declared.add('xml');
  for (const m of outsideCdata.matchAll(/<\/?([A-Za-z][\w.-]*):[A-Za-z]|\s([A-Za-z][\w.-]*):[A-Za-z][\w.-]*=/g)) {
    const prefix = m[1] ?? m[2];
    if (prefix === 'xmlns') continue;
    assert.ok(declared.has(prefix), `namespace prefix "${prefix}" is used but never declared`);
  }
}

export type RssParserFeed = Awaited<ReturnType<Parser['parseString']>>;

/** rss-parser, which throws on malformed XML; dc:creator is kept as a custom field. */
export function parseWithRssParser(xml: string): Promise<RssParserFeed> {
  return new Parser({ customFields: { item: ['dc:creator'] } }).parseString(xml);
}

/** Decodes the five entities our HTML escaping writes, as a reader renders `type="html"` text. */
export function decodeHtmlText(html: string): string {
  return html.replace(/&(lt|gt|quot|#39|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as sent (not decompressed). */
  body: Buffer;
}

/** Listens on port 0 for this test and returns a GET/HEAD client that keeps raw bytes. */
export async function listen(
  t: TestContext,
  app: Express,
): Promise<(path: string, headers?: Record<string, string>, method?: string) => Promise<RawResponse>> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return (path, headers = {}, method = 'GET') =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { connection: 'close', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
}
