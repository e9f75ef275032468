import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { BROWSER_TEST, launchBrowser, newTestContext } from '../support/browser.ts';
import { startBrowserGazette, writeSampleArticles } from '../support/browser-gazette.ts';

interface FetchResult {
  status?: number;
  etag?: string | null;
  lastModified?: string | null;
  starts?: string;
  error?: string;
}

/** A page on another origin (its own loopback port), as a browser-based feed reader would be. */
async function startReaderOrigin(t: { after(fn: () => unknown): void }): Promise<string> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>reader</title><p>reader</p>'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('feeds in Chromium, from a page of another origin', () => {
  it(
    'fetch() reads /feed.xml and an archive page with their ETag, and revalidates with If-None-Match (a preflight) to a 304',
    BROWSER_TEST,
    async (t) => {
      const site = await startBrowserGazette(t, { overrides: { feeds: { size: 5, archivePageSize: 5 } }, seed: writeSampleArticles });
      const readerUrl = await startReaderOrigin(t);
      assert.notEqual(new URL(readerUrl).origin, new URL(site.baseUrl).origin);
      const browser = await launchBrowser(t);
      const page = await (await newTestContext(browser)).newPage();
      await page.goto(readerUrl);

      // A script as text: tsx would wrap named functions in a helper the page does not have.
      const results = await page.evaluate<Record<'feed' | 'archive' | 'revalidated', FetchResult>>(`(async (base) => {
      const read = async (path, headers = {}) => {
        try {
          const res = await fetch(base + path, { headers, cache: 'no-store' });
          const text = await res.text();
          return { status: res.status, etag: res.headers.get('ETag'), lastModified: res.headers.get('Last-Modified'), starts: text.slice(0, 5) };
        } catch (error) {
          return { error: String(error) };
        }
      };
      const feed = await read('/feed.xml');
      const archive = await read('/feeds/archive/1.json');
      const revalidated = feed.etag ? await read('/feed.xml', { 'If-None-Match': feed.etag }) : { error: 'no ETag to revalidate with' };
      return { feed, archive, revalidated };
    })(${JSON.stringify(site.baseUrl)})`);

      assert.equal(results.feed.error, undefined, 'a CORS failure shows as a TypeError in the page');
      assert.equal(results.feed.status, 200);
      assert.match(String(results.feed.etag), /^"[\w-]+"$/);
      assert.ok(results.feed.lastModified);
      assert.equal(results.feed.starts, '<?xml');
      assert.equal(results.archive.status, 200, JSON.stringify(results.archive));
      assert.ok(results.archive.etag);
      assert.equal(results.revalidated.status, 304, JSON.stringify(results.revalidated));
    },
  );
});
