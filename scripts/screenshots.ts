/**
 * Writes the README's screenshots into docs/screenshots/: a real Gazette on a temporary data
 * directory (the project's seed article plus a few written here) with its mail going to an SMTP
 * server on loopback, driven in Debian's headless Chromium at a desktop and a phone width.
 *
 *   npx tsx scripts/screenshots.ts
 *
 * It reuses the browser tests' support code (test/support/), so the pictures show exactly what
 * the tests check: the pages, the subscription flow, and the mails as they were received.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { createDueEdition } from '../src/editions/edition.service.ts';
import { launchBrowser } from '../test/support/browser.ts';
import { startBrowserGazette, writeSampleArticles, type BrowserGazette } from '../test/support/browser-gazette.ts';
import { writeArticle } from '../test/support/build-article.ts';
import { startSmtpSink, type SmtpSink } from '../test/support/smtp-sink.ts';

const OUT_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
/** The address the pictures show, in links and in mail; Chromium resolves it to the loopback port. */
const SITE_URL = 'http://news.example.com';
/** Narrower than the tests' 1280px desktop: the pages are a 42rem column, and smaller PNGs load faster in the README. */
const WIDTHS = { desktop: { width: 1024, height: 720 }, phone: { width: 390, height: 780 } } as const;
type Width = keyof typeof WIDTHS;

/** Everything started here is closed in reverse order, whatever happens. */
function cleanupStack() {
  const fns: (() => unknown)[] = [];
  return {
    after: (fn: () => unknown) => void fns.push(fn),
    async run() {
      for (const fn of fns.reverse()) await fn();
    },
  };
}

/** What to show: a page of the site (a path) or a mail as received (its HTML). */
type Subject = { path: string; fill?: Record<string, string> } | { html: string };

async function shoot(browser: Browser, site: BrowserGazette, name: string, subject: Subject): Promise<void> {
  for (const width of ['desktop', 'phone'] as const satisfies Width[]) {
    const context = await browser.newContext({
      baseURL: site.baseUrl,
      viewport: WIDTHS[width],
      deviceScaleFactor: 1,
      colorScheme: 'light',
    });
    const page = await context.newPage();
    if ('html' in subject) await page.setContent(subject.html, { waitUntil: 'load' });
    else await page.goto(subject.path);
    for (const [label, value] of Object.entries('path' in subject ? (subject.fill ?? {}) : {})) await page.getByLabel(label).fill(value);
    await page.mouse.click(0, 0); // no focus ring on the last field filled
    const file = path.join(OUT_DIR, `${name}-${width}.png`);
    await page.screenshot({ path: file });
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
    await context.close();
  }
}

function linkInMail(html: string, kind: 'confirm' | 'preferences'): string {
  const match = new RegExp(`href="(https?://[^"]+/${kind}/[^"]+)"`).exec(html);
  if (!match) throw new Error(`no /${kind}/ link in the mail`);
  return new URL(match[1]!).pathname;
}

/** Subscribes through the form, then shows each page and mail of the flow. */
async function shootSubscriptionFlow(browser: Browser, site: BrowserGazette, sink: SmtpSink): Promise<void> {
  await shoot(browser, site, 'subscribe', {
    path: '/subscribe',
    fill: { 'Email address': 'grace@example.org', 'Name (optional)': 'Grace' },
  });
  const context = await browser.newContext({ baseURL: site.baseUrl });
  const page = await context.newPage();
  await page.goto('/subscribe');
  await page.getByLabel('Email address').fill('grace@example.org');
  await page.getByLabel('Name (optional)').fill('Grace');
  await page.getByLabel(/Send me new articles by email/).check();
  await page.getByRole('button', { name: 'Subscribe' }).click();
  const [confirmation] = await sink.waitFor(1);
  const confirmationHtml = confirmation!.parsed.html as string;
  await shoot(browser, site, 'mail-confirmation', { html: confirmationHtml });

  const confirmPath = linkInMail(confirmationHtml, 'confirm');
  await shoot(browser, site, 'confirm', { path: confirmPath });
  await page.goto(confirmPath);
  await page.getByRole('button', { name: 'Confirm my subscription' }).click();
  await page.locator('h1', { hasText: 'You are subscribed' }).waitFor();
  await context.close();

  const [, welcome] = await sink.waitFor(2);
  await shoot(browser, site, 'preferences', { path: linkInMail(welcome!.parsed.html as string, 'preferences') });
}

/** The next weekly digest after a new article, as the subscriber receives it. */
async function shootDigest(browser: Browser, site: BrowserGazette, sink: SmtpSink): Promise<void> {
  const { gazette, clock } = site;
  clock.set('2026-01-12T07:00:00Z');
  writeArticle(site.seedsDir, {
    slug: 'sunday-market-returns-to-the-old-harbour',
    date: '11 January 2026',
    paragraphs: [
      'After two years of repairs to the quay, the Sunday market returned to the old harbour with more than sixty stalls, from fishmongers to booksellers.',
    ],
  });
  await gazette.core.ingest.run();
  await createDueEdition(gazette.core.store.db, 'weekly', new Date('2026-01-05T07:00:00Z'), clock.now(), clock.now());
  await gazette.core.mail.deliverPending({ limit: 10 });
  const [, , digest] = await sink.waitFor(3);
  await shoot(browser, site, 'mail-digest', { html: digest!.parsed.html as string });
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const cleanup = cleanupStack();
  try {
    const sink = await startSmtpSink();
    cleanup.after(() => sink.close());
    const site = await startBrowserGazette(cleanup, {
      baseUrl: SITE_URL,
      overrides: { mail: { smtpUrl: sink.url } },
      seed: writeSampleArticles,
    });
    const browser = await launchBrowser(cleanup, {
      extraArgs: [`--host-resolver-rules=MAP ${new URL(SITE_URL).host} 127.0.0.1:${site.port}`],
    });
    await shoot(browser, site, 'home', { path: '/' });
    await shoot(browser, site, 'article', { path: '/articles/western-leaders-convene-to-discuss-security-guarantees-for-ukraine' });
    await shootSubscriptionFlow(browser, site, sink);
    await shootDigest(browser, site, sink);
  } finally {
    await cleanup.run();
  }
}

await main();
