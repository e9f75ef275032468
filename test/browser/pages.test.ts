/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { BROWSER_TEST, launchBrowser, newTestContext } from '../support/browser.ts';
import { LONG_WORDS_ARTICLE, startBrowserGazette, writeSampleArticles } from '../support/browser-gazette.ts';
import { writeArticle } from '../support/build-article.ts';
import { checkSitePages, collectConsoleErrors, DESKTOP } from '../support/page-checks.ts';

async function openSite(t: TestContext, overrides = {}) {
  const seed = (seedsDir: string): void => {
    writeSampleArticles(seedsDir);
    writeArticle(seedsDir, LONG_WORDS_ARTICLE);
  };
  const site = await startBrowserGazette(t, { overrides, seed });
  const browser = await launchBrowser(t);
  const context = await newTestContext(browser, { baseURL: site.baseUrl, viewport: DESKTOP });
  const page = await context.newPage();
  return { ...site, browser, context, page };
}

describe('pages in Chromium', () => {
  it('a reader opens the home page, follows an article and comes back', BROWSER_TEST, async (t) => {
    const { page } = await openSite(t);
    const errors = collectConsoleErrors(page);
    await page.goto('/');
    assert.equal(await page.locator('h1').textContent(), 'Latest articles');
    const titles = await page.locator('.article-list h2').allTextContents();
    assert.equal(titles[0], 'City council approves new cycle lanes along the river', 'newest first');
    assert.ok(titles.includes('Western leaders convene to discuss security guarantees for Ukraine'), titles.join(' | '));

    await page.getByRole('link', { name: 'Winter storm closes mountain passes for a second day' }).click();
    await page.waitForURL('**/articles/winter-storm-closes-mountain-passes-for-a-second-day');
    assert.equal(await page.locator('h1').textContent(), 'Winter storm closes mountain passes for a second day');
    assert.equal(await page.title(), 'Winter storm closes mountain passes for a second day · Gazette');
    assert.equal(await page.locator('.article-body p').count(), 2);
    assert.equal(await page.locator('time').first().textContent(), 'January 7, 2026');
    // The stylesheet was allowed by the CSP and applied: the body font is not the browser default.
    assert.match(await page.evaluate(() => getComputedStyle(document.body).fontFamily), /system-ui/);

    await page.getByRole('link', { name: '← All articles' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    assert.deepEqual(errors, []);
  });

  it('finds the three feeds by autodiscovery and by visible links, and each answers with its media type', BROWSER_TEST, async (t) => {
    const { page, baseUrl } = await openSite(t);
    await page.goto('/articles/winter-storm-closes-mountain-passes-for-a-second-day');
    const discovered = await page.$$eval('head link[rel="alternate"]', (links) =>
      links.map((l) => [l.getAttribute('type'), l.getAttribute('href')]),
    );
    const expected = [
      ['application/rss+xml', `${baseUrl}/feed.xml`],
      ['application/atom+xml', `${baseUrl}/atom.xml`],
      ['application/feed+json', `${baseUrl}/feed.json`],
    ];
    assert.deepEqual(discovered, expected);

    await page.goto('/');
    const section = page.getByRole('region', { name: 'Follow in a feed reader' });
    const visible = await section
      .locator('a')
      .evaluateAll((links) => links.map((l) => [l.getAttribute('type'), (l as HTMLAnchorElement).href]));
    assert.deepEqual(visible, expected);
    const footer = await page.locator('footer a').evaluateAll((links) => links.map((l) => (l as HTMLAnchorElement).href));
    assert.deepEqual(
      footer,
      expected.map(([, href]) => href),
    );

    const winterStorm = `${baseUrl}/articles/winter-storm-closes-mountain-passes-for-a-second-day`;
    const starts: Record<string, RegExp> = {
      'application/rss+xml': /^<\?xml[^>]*>\s*<rss[^>]* version="2\.0"/,
      'application/atom+xml': /^<\?xml[^>]*>\s*<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/,
      'application/feed+json': /^\{\s*"version": "https:\/\/jsonfeed\.org\/version\/1\.1"/,
    };
    for (const [type, href] of expected) {
      const response = await page.request.get(href!);
      assert.equal(response.status(), 200, href);
      assert.equal(response.headers()['content-type'], `${type}; charset=utf-8`, href);
      const body = await response.text();
      assert.match(body, starts[type!]!, href);
      assert.ok(body.includes(winterStorm), `${href} links the article with its absolute URL`);
    }

    // The article link a feed reader would open leads back to the page.
    const feed = (await (await page.request.get(`${baseUrl}/feed.json`)).json()) as { items: { url: string; title: string }[] };
    const item = feed.items.find((i) => i.title === 'Winter storm closes mountain passes for a second day');
    assert.equal(item?.url, winterStorm);
    await page.goto(item.url);
    assert.equal(await page.locator('h1').textContent(), item.title);
  });

  it('shows a 404 page for an unknown address and a 410 page for a removed article, each with a way home', BROWSER_TEST, async (t) => {
    const { page, seedsDir, gazette } = await openSite(t);
    const missing = await page.goto('/no/such/page');
    assert.equal(missing?.status(), 404);
    assert.equal(await page.locator('h1').textContent(), 'Page not found');
    assert.equal(await page.locator('meta[name="robots"]').getAttribute('content'), 'noindex');
    await page.getByRole('link', { name: 'Go to the latest articles' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    assert.equal(await page.locator('h1').textContent(), 'Latest articles');

    rmSync(path.join(seedsDir, 'winter-storm-closes-mountain-passes-for-a-second-day.txt'));
    await gazette.core.ingest.run();
    const gone = await page.goto('/articles/winter-storm-closes-mountain-passes-for-a-second-day');
    assert.equal(gone?.status(), 410);
    assert.equal(await page.locator('h1').textContent(), 'This page has been removed');
  });

  it('puts a skip link first in the tab order, and it moves focus to the content', BROWSER_TEST, async (t) => {
    const { page } = await openSite(t);
    await page.goto('/');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({
      text: document.activeElement?.textContent,
      left: document.activeElement?.getBoundingClientRect().left,
    }));
    assert.equal(focused.text, 'Skip to content');
    assert.ok((focused.left ?? -1) >= 0, 'the focused skip link is on screen');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/#content');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('main')?.id), 'content');
  });
});

/** Every kind of page the site serves, with the status it comes with. */
const EVERY_PAGE: (readonly [string, number])[] = [
  ['/', 200],
  ['/?page=2', 200],
  ['/articles/western-leaders-convene-to-discuss-security-guarantees-for-ukraine', 200],
  [`/articles/${LONG_WORDS_ARTICLE.slug}`, 200],
  ['/no/such/page', 404],
  ['/?page=zero', 400],
  ['/subscribe', 200],
  ['/manage', 200],
];

describe('every page at phone and desktop width, light and dark', () => {
  it(
    'has no serious or critical axe violation, no sideways scrolling on a phone, alt text on every image, no console error',
    BROWSER_TEST,
    async (t) => {
      const { page, context, seedsDir, gazette } = await openSite(t, { pages: { pageSize: 2 } });
      writeArticle(seedsDir, { slug: 'an-older-article', date: '1 January 2026' });
      await gazette.core.ingest.run();
      const errors = collectConsoleErrors(page, [/the server responded with a status of (404|400)/]);
      const problems = await checkSitePages(page, EVERY_PAGE);
      await context.close();
      assert.deepEqual(problems, []);
      assert.deepEqual(errors, []);
    },
  );
});
