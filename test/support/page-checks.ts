/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newTestContext } from './browser.ts';

/** The widths every page and mail is checked at: a common phone and a common laptop. */
export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * axe-core's serious and critical violations on the page as it is now. axe is evaluated through
 * the DevTools protocol, which the page's Content-Security-Policy does not govern, so pages are
 * tested with their real CSP in force (no bypassCSP).
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  const hasAxe = await page.evaluate(() => 'axe' in globalThis);
  if (!hasAxe) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    type AxeResult = { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] };
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: object): Promise<AxeResult> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

/** How wide the document is against the viewport: wider means the reader scrolls sideways. */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
}

/** The markup of every `<img>` with no alt attribute (an empty alt is a deliberate "decorative"). */
export async function imagesWithoutAlt(page: Page): Promise<string[]> {
  return page.$$eval('img:not([alt])', (images) => images.map((img) => img.outerHTML.slice(0, 200)));
}

/** Every link target that is not absolute (http, https or mailto): mail clients cannot resolve them. */
export async function nonAbsoluteLinks(page: Page): Promise<string[]> {
  return page.$$eval('a', (links) =>
    links.map((a) => a.getAttribute('href') ?? '(no href)').filter((href) => !/^(https?:\/\/|mailto:)/i.test(href)),
  );
}

/**
 * Collects the console errors a page logs (a blocked stylesheet, a CSP violation, a failed
 * request). `ignore` drops the expected ones, such as the 404 of a page that is meant to be missing.
 */
export function collectConsoleErrors(page: Page, ignore: RegExp[] = []): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (!ignore.some((pattern) => pattern.test(text))) errors.push(text);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/**
 * Everything the browser tests require of a mail's HTML, at phone and desktop width, in light
 * and dark mode (Apple Mail and Outlook.com apply the mail's dark-mode rules): no sideways
 * scrolling on the phone, alt on every image, only absolute links, and no serious or critical
 * axe violation (colour contrast included). Returns the problems found, each saying where
 * (empty when all is well).
 */
export async function checkMailHtml(browser: Browser, html: string, label: string): Promise<string[]> {
  const problems: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const viewport of [PHONE, DESKTOP])
      problems.push(...(await checkMailIn(browser, html, `${label} at ${viewport.width}px, ${colorScheme}`, { viewport, colorScheme })));
  }
  return problems;
}

async function checkMailIn(
  browser: Browser,
  html: string,
  where: string,
  view: { viewport: { width: number; height: number }; colorScheme: 'light' | 'dark' },
): Promise<string[]> {
  // Scripts stay on: axe needs the page's timers, which a context without JavaScript never
  // fires. Mail carries no script of its own (MJML writes none), so the rendering is the same.
  const context = await newTestContext(browser, view);
  try {
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    const problems: string[] = [];
    const { scrollWidth, clientWidth } = await horizontalOverflow(page);
    if (scrollWidth > clientWidth) problems.push(`${where}: scrolls sideways (${scrollWidth}px of content in ${clientWidth}px)`);
    for (const img of await imagesWithoutAlt(page)) problems.push(`${where}: image without alt: ${img}`);
    for (const href of await nonAbsoluteLinks(page)) problems.push(`${where}: link that is not absolute: ${href}`);
    for (const v of await seriousAxeViolations(page))
      problems.push(`${where}: axe ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
    return problems;
  } finally {
    await context.close();
  }
}

/**
 * Shows a mail's HTML in a tab of `context` and clicks the link named `name`, as a reader
 * would; returns the tab the link opened in (mail buttons open a new one: target="_blank").
 */
export async function clickLinkInMail(context: BrowserContext, html: string, name: string | RegExp): Promise<Page> {
  const mail = await context.newPage();
  await mail.setContent(html, { waitUntil: 'load' });
  const link = mail.getByRole('link', { name, exact: typeof name === 'string' }).first();
  const href = await link.getAttribute('href');
  if (!href) throw new Error(`the mail has no link named ${String(name)}`);
  if ((await link.getAttribute('target')) === '_blank') {
    const [opened] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await opened.waitForLoadState();
    await mail.close();
    return opened;
  }
  await Promise.all([mail.waitForURL(href), link.click()]);
  return mail;
}

/**
 * Opens each page of the site at phone and desktop width, in light and dark mode, and returns
 * every problem found: a status other than the one expected, a serious or critical axe
 * violation, sideways scrolling, an image without alt. GETs only, which change nothing.
 */
export async function checkSitePages(page: Page, pages: readonly (readonly [path: string, status: number])[]): Promise<string[]> {
  const problems: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    for (const viewport of [PHONE, DESKTOP]) {
      await page.setViewportSize(viewport);
      for (const [pagePath, status] of pages) {
        const where = `${pagePath} at ${viewport.width}px, ${colorScheme}`;
        const response = await page.goto(pagePath);
        if (response?.status() !== status) problems.push(`${where}: status ${response?.status()}, expected ${status}`);
        for (const v of await seriousAxeViolations(page))
          problems.push(`${where}: axe ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
        const { scrollWidth, clientWidth } = await horizontalOverflow(page);
        if (scrollWidth > clientWidth) problems.push(`${where}: scrolls sideways (${scrollWidth}px of content in ${clientWidth}px)`);
        for (const img of await imagesWithoutAlt(page)) problems.push(`${where}: image without alt: ${img}`);
      }
    }
  }
  return problems;
}
