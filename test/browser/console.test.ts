/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BROWSER_TEST, launchBrowser, newTestContext } from '../support/browser.ts';
import { OPERATOR, signInThroughForm, startConsoleBrowserWorld, UNLUCKY_READER } from '../support/console-browser-world.ts';
import { checkSitePages, collectConsoleErrors, DESKTOP } from '../support/page-checks.ts';
import { waitUntil } from '../support/wait.ts';

async function openConsole(t: Parameters<typeof startConsoleBrowserWorld>[0]) {
  const world = await startConsoleBrowserWorld(t);
  const browser = await launchBrowser(t);
  const context = await newTestContext(browser, { baseURL: world.baseUrl, viewport: DESKTOP });
  const page = await context.newPage();
  return { ...world, browser, context, page };
}

/** Presses Tab until the focused element's accessible text matches, as a keyboard user would; fails after `max` presses. */
async function tabTo(page: import('playwright-core').Page, text: RegExp, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return `${el?.textContent ?? ''} ${el?.getAttribute('aria-label') ?? ''} ${el?.id ?? ''}`.trim();
    });
    if (text.test(focused)) return;
  }
  throw new Error(`no focusable element matching ${text} within ${max} Tab presses`);
}

describe('the operator console in Chromium', () => {
  it(
    'an operator signs in, finds why a reader got no digest, resends the failed deliveries, sees the broken seed file, and signs out',
    BROWSER_TEST,
    async (t) => {
      const { page, sink, editionId } = await openConsole(t);
      const errors = collectConsoleErrors(page);
      await signInThroughForm(page);
      assert.equal(await page.locator('h1').textContent(), 'Overview');

      // Why did Fred get no digest? Search, open, read the delivery's outcome and the server's reply.
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Subscribers' }).click();
      await page.getByLabel('Address or name contains').fill('fred');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: UNLUCKY_READER }).click();
      assert.equal(await page.locator('h1').textContent(), UNLUCKY_READER);
      const delivery = page.getByRole('region', { name: 'Messages to this subscriber' }).locator('tbody tr').first();
      assert.match((await delivery.textContent()) ?? '', /daily edition/);
      assert.match((await delivery.textContent()) ?? '', /failed/);
      assert.match((await delivery.textContent()) ?? '', /452 4\.2\.2 Mailbox full/);

      // From there to the edition, and resend to the failed: the server takes it this time.
      await delivery.getByRole('link', { name: /daily edition/ }).click();
      await page.waitForURL(`**/admin/editions/${editionId}`);
      const undelivered = page.getByRole('region', { name: 'Recipients not delivered' });
      assert.match(
        (await undelivered.textContent()) ?? '',
        new RegExp(`${UNLUCKY_READER.replace('.', '\\.')}.*failed.*452 4\\.2\\.2 Mailbox full`),
      );
      const before = sink.messages.length;
      await page.getByRole('button', { name: 'Resend to the 1 failed' }).click();
      await page.getByRole('status').filter({ hasText: 'queued again' }).waitFor();
      const resent = await sink.waitFor(before + 1);
      assert.deepEqual(resent.at(-1)!.envelopeTo, [UNLUCKY_READER]);
      await waitUntil(async () => {
        await page.reload();
        return /Every recipient so far was delivered/.test((await undelivered.textContent()) ?? '');
      }, 'the edition page to show no failure left');

      // Which seed file has a problem, and why.
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Articles' }).click();
      const problems = page.getByRole('region', { name: 'Seed file problems' });
      assert.match((await problems.textContent()) ?? '', /draft-harbour-interview\.txt\s*1\s*.*date/i);
      assert.match((await page.getByRole('heading', { name: /Embargoed/ }).textContent()) ?? '', /\(1\)/);

      // The audit log names who did it.
      await page.getByRole('link', { name: 'Audit log' }).click();
      assert.match(
        (await page.locator('tbody').textContent()) ?? '',
        new RegExp(`${OPERATOR.email.replace('.', '\\.')}.*edition\\.resend-failed`),
      );

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/admin/sign-in');
      await page.goto('/admin/subscribers');
      assert.match(page.url(), /\/admin\/sign-in\?next=/, 'signed out: the console asks to sign in again');
      assert.deepEqual(errors, []);
    },
  );

  it('works from the keyboard alone: sign in, open the failed edition and resend', BROWSER_TEST, async (t) => {
    const { page, sink } = await openConsole(t);
    await page.goto('/admin');
    await tabTo(page, /sign-in-email/);
    await page.keyboard.type(OPERATOR.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(OPERATOR.password);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/admin');
    await tabTo(page, /^daily edition$/);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/admin/editions/*');
    await tabTo(page, /Resend to the 1 failed/);
    const before = sink.messages.length;
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'queued again' }).waitFor();
    await sink.waitFor(before + 1);
  });

  it(
    'has no serious or critical axe violation on any console page, at phone and desktop width, light and dark',
    BROWSER_TEST,
    async (t) => {
      const { page, editionId, gazette } = await openConsole(t);
      const errors = collectConsoleErrors(page, [/status of 409/]);
      const fred = await gazette.core.store.db
        .selectFrom('subscribers')
        .select('id')
        .where('email', '=', UNLUCKY_READER)
        .executeTakeFirstOrThrow();
      await signInThroughForm(page);
      const pages: [string, number][] = [
        ['/admin', 200],
        ['/admin/subscribers', 200],
        ['/admin/subscribers?status=confirmed&frequency=daily&q=example', 200],
        [`/admin/subscribers/${fred.id}`, 200],
        ['/admin/editions', 200],
        [`/admin/editions/${editionId}`, 200],
        ['/admin/editions/preview/daily', 200],
        ['/admin/articles', 200],
        ['/admin/audit', 200],
      ];
      const problems = await checkSitePages(page, pages);
      // The sign-in page, signed out.
      await page.context().clearCookies();
      problems.push(...(await checkSitePages(page, [['/admin/sign-in', 200]])));
      assert.deepEqual(problems, []);
      assert.deepEqual(errors, []);
    },
  );
});
