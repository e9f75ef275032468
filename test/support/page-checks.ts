/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

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
