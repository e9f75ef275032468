/**
 * Writes the README's screenshots of the operator console into docs/screenshots/: the world the
 * console's browser tests act on (a daily edition in which the mail server refused one reader,
 * an embargoed article, a broken seed file), in Debian's headless Chromium at desktop width.
 *
 *   npx tsx scripts/console-screenshots.ts
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/support/browser.ts';
import { signInThroughForm, startConsoleBrowserWorld, UNLUCKY_READER } from '../test/support/console-browser-world.ts';

const OUT_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const SITE_URL = 'http://news.example.com';

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const fns: (() => unknown)[] = [];
  const cleanup = { after: (fn: () => unknown) => void fns.push(fn) };
  try {
    const world = await startConsoleBrowserWorld(cleanup, { baseUrl: SITE_URL });
    const browser = await launchBrowser(cleanup, {
      extraArgs: [`--host-resolver-rules=MAP ${new URL(SITE_URL).host} 127.0.0.1:${world.port}`],
    });
    const context = await browser.newContext({
      baseURL: world.baseUrl,
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
      colorScheme: 'light',
    });
    const page = await context.newPage();
    await signInThroughForm(page);
    const fred = await world.gazette.core.store.db
      .selectFrom('subscribers')
      .select('id')
      .where('email', '=', UNLUCKY_READER)
      .executeTakeFirstOrThrow();
    const shots: [string, string][] = [
      ['console-overview', '/admin'],
      ['console-subscriber', `/admin/subscribers/${fred.id}`],
      ['console-edition', `/admin/editions/${world.editionId}`],
      ['console-articles', '/admin/articles'],
    ];
    for (const [name, url] of shots) {
      await page.goto(url);
      const file = path.join(OUT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  } finally {
    for (const fn of fns.reverse()) await fn();
  }
}

await main();
