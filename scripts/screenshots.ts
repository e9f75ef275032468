/**
 * Writes the README's screenshots into docs/screenshots/: a real Gazette on a temporary data
 * directory (the project's seed article plus a few written here), driven in Debian's headless
 * Chromium at a desktop and a phone width.
 *
 *   npx tsx scripts/screenshots.ts
 *
 * It reuses the browser tests' support code (test/support/) so that the pictures show exactly
 * what the tests check.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.ts';
import { startBrowserGazette, writeSampleArticles } from '../test/support/browser-gazette.ts';
import { DESKTOP, PHONE } from '../test/support/page-checks.ts';

const OUT_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const WIDTHS = { desktop: DESKTOP, phone: PHONE } as const;
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

interface Shooter {
  /** A page at one width, in light mode. */
  page(width: Width): Promise<Page>;
  save(page: Page, name: string, width: Width): Promise<void>;
}

function shooter(browser: Browser, baseUrl: string): Shooter {
  return {
    async page(width) {
      const context = await browser.newContext({ baseURL: baseUrl, viewport: WIDTHS[width], deviceScaleFactor: 1, colorScheme: 'light' });
      return context.newPage();
    },
    async save(page, name, width) {
      const file = path.join(OUT_DIR, `${name}-${width}.png`);
      await page.screenshot({ path: file, fullPage: false });
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    },
  };
}

async function shootPages(shots: Shooter): Promise<void> {
  const pages: [string, string][] = [
    ['home', '/'],
    ['article', '/articles/western-leaders-convene-to-discuss-security-guarantees-for-ukraine'],
  ];
  for (const width of ['desktop', 'phone'] as const) {
    const page = await shots.page(width);
    for (const [name, address] of pages) {
      await page.goto(address);
      await shots.save(page, name, width);
    }
    await page.context().close();
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const cleanup = cleanupStack();
  try {
    const site = await startBrowserGazette(cleanup, { seed: writeSampleArticles });
    const browser = await launchBrowser(cleanup);
    const shots = shooter(browser, site.baseUrl);
    await shootPages(shots);
  } finally {
    await cleanup.run();
  }
}

await main();
