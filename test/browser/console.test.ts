/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BROWSER_TEST, launchBrowser, newTestContext } from '../support/browser.ts';
import { writeArticle } from '../support/build-article.ts';
import { OPERATOR, signInThroughForm, startConsoleBrowserWorld, UNLUCKY_READER } from '../support/console-browser-world.ts';
import { checkSitePages, collectConsoleErrors, DESKTOP } from '../support/page-checks.ts';
import { makeTempDir } from '../support/temp-dir.ts';
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

  it(
    'an operator imports a CSV of 1,000 rows and reads its per-line report, then previews the next daily digest and sends a test',
    BROWSER_TEST,
    async (t) => {
      const { page, sink, seedsDir } = await openConsole(t);
      const errors = collectConsoleErrors(page);
      await signInThroughForm(page);
      const nav = page.getByRole('navigation', { name: 'Console' });

      // Lee is deleted first: their address is suppressed, so the import must leave it out.
      await nav.getByRole('link', { name: 'Subscribers' }).click();
      await page.getByLabel('Address or name contains').fill('lee@');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'lee@example.org' }).click();
      await page.getByRole('button', { name: 'Delete this subscriber' }).click();
      await page.getByRole('status').filter({ hasText: 'suppressed' }).waitFor();

      // 1,000 data rows (line n+1 is row n): three invalid, one suppressed, the rest new.
      const bad = new Map<number, RegExp>([
        [101, /email/],
        [502, /frequency: "fortnightly"/],
        [903, /already on line 11\b/],
      ]);
      const suppressedLine = 700;
      const lines = ['email,name,frequency'];
      for (let row = 1; row <= 1000; row++) {
        const line = row + 1;
        const frequency = row % 3 === 0 ? 'weekly' : 'daily';
        if (line === 101) lines.push('not-an-address,Nobody,daily');
        else if (line === 502) lines.push(`reader-${row}@import.example.net,Reader ${row},fortnightly`);
        else if (line === 903) lines.push('reader-10@import.example.net,Reader 10 again,daily');
        else if (line === suppressedLine) lines.push('lee@example.org,Lee,daily');
        else lines.push(`reader-${row}@import.example.net,Reader ${row},${frequency}`);
      }
      const csvFile = path.join(makeTempDir(t, 'gazette-console-import-'), 'readers.csv');
      writeFileSync(csvFile, `${lines.join('\n')}\n`);
      const expectedImported = 1000 - bad.size - 1;

      await nav.getByRole('link', { name: 'Subscribers' }).click();
      await page.getByLabel(/CSV file/).setInputFiles(csvFile);
      await page.getByLabel(/Where these people agreed/).fill('Sign-up sheet, harbour fair 2025');
      // While a file is imported the page says so (the console's script from our origin, under
      // script-src 'self'): the file's name, a progress bar, and a button that cannot post it
      // twice. A submit event alone (no request) shows it; the page is then loaded afresh.
      const importForm = page.locator('form[data-import-progress]');
      const importButton = importForm.getByRole('button', { name: 'Import', exact: true });
      await importForm.dispatchEvent('submit');
      await page
        .getByRole('status')
        .filter({ hasText: /Importing readers\.csv \(\d+ kB\)/ })
        .waitFor();
      assert.ok(await page.getByRole('progressbar', { name: 'Import in progress' }).isVisible());
      assert.ok(await importButton.isDisabled());
      await page.reload();
      await page.getByLabel(/CSV file/).setInputFiles(csvFile);
      await page.getByLabel(/Where these people agreed/).fill('Sign-up sheet, harbour fair 2025');
      await importButton.click();
      await page.waitForURL('**/admin/subscribers/import');
      assert.equal(await page.locator('h1').textContent(), 'Import report');
      assert.equal(
        await page.getByRole('status').textContent(),
        `1000 row(s): ${expectedImported} imported, 0 already on the list (unchanged), ${bad.size} invalid, 1 suppressed.`,
      );
      const reportRows = page.getByRole('region', { name: 'Lines not imported' }).locator('tbody tr');
      const reported = new Map<number, string>();
      for (const row of await reportRows.all()) {
        reported.set(Number(await row.locator('th').textContent()), (await row.locator('td').textContent()) ?? '');
      }
      assert.deepEqual([...reported.keys()], [101, 502, suppressedLine, 903], 'every line not imported, in file order');
      for (const [line, reason] of bad) assert.match(reported.get(line)!, reason, `line ${line}`);
      assert.match(reported.get(suppressedLine)!, /suppressed/);

      // The list shows exactly the rows that were good, confirmed with the stated consent.
      await page.getByRole('link', { name: 'Back to the subscribers' }).click();
      await page.getByLabel('Address or name contains').fill('@import.example.net');
      await page.getByLabel('Status', { exact: true }).selectOption('confirmed');
      await page.getByRole('button', { name: 'Search' }).click();
      assert.match(
        (await page.locator('main').textContent()) ?? '',
        new RegExp(`\\b${expectedImported} subscriber\\(s\\), page 1 of 20\\.`),
      );
      await page.getByLabel('Frequency', { exact: true }).selectOption('weekly');
      await page.getByRole('button', { name: 'Search' }).click();
      // Every third row is weekly: 333, less row 501 (line 502, invalid) and row 699 (line 700, suppressed).
      assert.match((await page.locator('main').textContent()) ?? '', /\b331 subscriber\(s\)/);
      await page.getByLabel('Frequency', { exact: true }).selectOption('');
      await page.getByLabel('Address or name contains').fill('lee@');
      await page.getByLabel('Status', { exact: true }).selectOption('');
      await page.getByRole('button', { name: 'Search' }).click();
      assert.match((await page.locator('main').textContent()) ?? '', /Nobody matches\./, 'the suppressed address stays out');

      // A new article, read by the re-scan button: the next daily digest has it.
      writeArticle(seedsDir, {
        slug: 'harbour-ferry-timetable-changes',
        date: '9 January 2026',
        paragraphs: ['The ferry leaves at seven from Monday.'],
      });
      await nav.getByRole('link', { name: 'Articles' }).click();
      await page.getByRole('button', { name: 'Re-scan the seed files now' }).click();
      await page.waitForURL('**/admin/articles?done=rescanned');

      await nav.getByRole('link', { name: 'Editions' }).click();
      await page.getByRole('link', { name: 'Preview the next daily digest' }).click();
      assert.equal(await page.locator('h1').textContent(), 'Next daily digest');
      const subject = (await page.locator('main p strong').first().textContent())!;
      const frameElement = page.locator('iframe.mail-preview');
      assert.equal(await frameElement.getAttribute('sandbox'), '', 'sandboxed with no allowance');
      const frame = page.frameLocator('iframe.mail-preview');
      await frame.getByRole('link', { name: 'Harbour ferry timetable changes', exact: true }).waitFor();
      assert.match((await frame.locator('body').textContent()) ?? '', /The ferry leaves at seven from Monday\./);
      const textPart = page.locator('pre.text-part');
      assert.match((await textPart.textContent()) ?? '', /Harbour ferry timetable changes/);
      assert.match((await textPart.textContent()) ?? '', /The ferry leaves at seven/);

      const before = sink.messages.length;
      await page.getByLabel('Send this digest to').fill('editor@example.net');
      await page.getByRole('button', { name: 'Send a test' }).click();
      await page.getByRole('status').filter({ hasText: 'The next daily digest went to editor@example.net' }).waitFor();
      await sink.waitFor(before + 1);
      const mails = sink.messages.slice(before);
      assert.equal(mails.length, 1, 'exactly one mail');
      assert.deepEqual(mails[0]!.envelopeTo, ['editor@example.net']);
      assert.equal(mails[0]!.parsed.subject, `[Test] ${subject}`, "the digest's own subject, marked as a test");
      assert.match(String(mails[0]!.parsed.html), /Harbour ferry timetable changes/);
      assert.match(String(mails[0]!.parsed.text), /The ferry leaves at seven from Monday\./);

      // The audit log lists the deletion, the import and the test, with who made them.
      await nav.getByRole('link', { name: 'Audit log' }).click();
      const audit = (await page.locator('tbody').textContent()) ?? '';
      for (const action of ['subscriber.delete', 'subscribers.import', 'articles.rescan', 'digest.send-test'])
        assert.match(audit, new RegExp(`${OPERATOR.email.replace('.', '\\.')}.*${action.replace('.', '\\.')}`), action);
      assert.match(audit, /editor@example\.net/);
      assert.match(audit, new RegExp(`"imported":${expectedImported}`));
      // Not one more mail while the page was read: the test went once.
      assert.equal(sink.messages.length, before + 1);
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
