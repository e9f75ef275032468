import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, with a fresh profile (playwright gives every launch a new
 * temporary user-data dir and removes it on close; it refuses a `--user-data-dir` argument);
 * never a downloaded browser. Missing Chromium is a loud failure, not a skip: `npm test`
 * installs it (scripts/ensure-services.sh), so its absence means the setup is broken.
 */
export async function launchBrowser(
  t: { after(fn: () => unknown): void },
  options: { extraArgs?: string[]; executablePath?: string } = {},
): Promise<Browser> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new Error(
      `BROWSER TESTS CANNOT RUN: ${executablePath} is missing. Install Debian's chromium package (scripts/ensure-services.sh does it as root: apt-get install chromium).`,
    );
  }
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
        ...(options.extraArgs ?? []),
      ],
    });
  } catch (error) {
    throw new Error(`BROWSER TESTS CANNOT RUN: ${executablePath} did not start: ${(error as Error).message}`, { cause: error });
  }
  t.after(() => browser.close());
  return browser;
}

/**
 * Options for every browser test: one that hangs (a click waiting on a page that never comes)
 * fails after ten minutes instead of stalling `npm test`. Not a timing assertion: the flows take
 * seconds on a quiet machine, but a whole subscription flow on two cores shared with other test
 * runs has taken over two minutes, so the ceiling is generous.
 */
export const BROWSER_TEST = { timeout: 600_000 } as const;

/**
 * A browser context whose actions and waits give up after two minutes rather than playwright's
 * 30 s: a click or a response on two cores shared with other test runs can take longer than 30 s
 * without anything being wrong. A page that never comes still fails, within BROWSER_TEST.
 */
export async function newTestContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(120_000);
  return context;
}
