/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { createDueEdition, createInstantEditions } from '../../src/editions/edition.service.ts';
import { BROWSER_TEST, launchBrowser, newTestContext } from '../support/browser.ts';
import { LONG_WORDS_ARTICLE, startBrowserGazette, writeSampleArticles } from '../support/browser-gazette.ts';
import { writeArticle } from '../support/build-article.ts';
import {
  checkMailHtml,
  checkSitePages,
  clickLinkInMail,
  collectConsoleErrors,
  DESKTOP,
  seriousAxeViolations,
} from '../support/page-checks.ts';
import { startSmtpSink, type ReceivedMail } from '../support/smtp-sink.ts';

async function openSiteWithMail(t: TestContext) {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const site = await startBrowserGazette(t, { overrides: { mail: { smtpUrl: sink.url } }, seed: writeSampleArticles });
  const browser = await launchBrowser(t);
  const context = await newTestContext(browser, { baseURL: site.baseUrl, viewport: DESKTOP });
  const page = await context.newPage();
  return { ...site, sink, browser, context, page };
}

function htmlOf(mail: ReceivedMail | undefined): string {
  assert.ok(mail, 'the mail arrived');
  assert.equal(typeof mail.parsed.html, 'string', `"${mail.parsed.subject}" has an HTML part`);
  return mail.parsed.html as string;
}

async function assertAccessible(page: Page): Promise<void> {
  assert.deepEqual(await seriousAxeViolations(page), [], `axe on ${page.url()}`);
}

async function subscriberRow(site: {
  gazette: { core: { store: { db: import('kysely').Kysely<import('../../src/store/database.ts').Database> } } };
}) {
  return site.gazette.core.store.db.selectFrom('subscribers').select(['email', 'status', 'frequency', 'name']).executeTakeFirstOrThrow();
}

it(
  'a reader subscribes on the home page, confirms from the mail, changes the frequency, receives a digest and unsubscribes from it',
  BROWSER_TEST,
  async (t) => {
    const site = await openSiteWithMail(t);
    const { page, context, sink, browser, gazette, clock, seedsDir } = site;
    const errors = collectConsoleErrors(page);

    // 1. The form on the home page, filled and sent as a person would.
    await page.goto('/');
    await page.getByLabel('Email address').fill('grace@example.org');
    await page.getByLabel('Name (optional)').fill('Grace');
    await page.getByLabel('A daily digest').check();
    await page.getByLabel(/Send me new articles by email/).check();
    // A person takes longer than subscriptions.minFormSeconds to fill the form; the site's clock is fixed, so move it.
    clock.advance(gazette.core.config.subscriptions.minFormSeconds * 1000);
    const [sent] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Subscribe' }).click(),
    ]);
    assert.equal(sent.status(), 202);
    assert.equal(await page.locator('h1').textContent(), 'Check your inbox');
    await assertAccessible(page);

    // 2. The confirmation mail reaches the SMTP sink (the delivery worker is running) and reads well anywhere.
    const [confirmation] = await sink.waitFor(1);
    assert.deepEqual(confirmation!.envelopeTo, ['grace@example.org']);
    const confirmationHtml = htmlOf(confirmation);
    assert.deepEqual(await checkMailHtml(browser, confirmationHtml, 'confirmation mail'), []);

    // 3. Its button opens the confirmation page, which changes nothing until the reader presses Confirm.
    const confirmPage = await clickLinkInMail(context, confirmationHtml, 'Confirm my subscription');
    assert.match(new URL(confirmPage.url()).pathname, /^\/confirm\/[A-Za-z0-9._-]+$/);
    assert.equal(await confirmPage.locator('h1').textContent(), 'Confirm your subscription');
    assert.match((await confirmPage.locator('main').textContent()) ?? '', /grace@example\.org/);
    await assertAccessible(confirmPage);
    assert.equal((await subscriberRow(site)).status, 'pending');
    await confirmPage.getByRole('button', { name: 'Confirm my subscription' }).click();
    await confirmPage.locator('h1', { hasText: 'You are subscribed' }).waitFor();
    await assertAccessible(confirmPage);
    assert.deepEqual(await subscriberRow(site), { email: 'grace@example.org', status: 'confirmed', frequency: 'daily', name: 'Grace' });

    // 4. The welcome mail's preferences link: change to a weekly digest.
    const [, welcome] = await sink.waitFor(2);
    const welcomeHtml = htmlOf(welcome);
    assert.deepEqual(await checkMailHtml(browser, welcomeHtml, 'welcome mail'), []);
    const preferences = await clickLinkInMail(context, welcomeHtml, 'Change how often you get mail');
    assert.match(new URL(preferences.url()).pathname, /^\/preferences\//);
    assert.equal(await preferences.getByLabel('A daily digest').isChecked(), true);
    await assertAccessible(preferences);
    await preferences.getByLabel('A weekly digest').check();
    await preferences.getByRole('button', { name: 'Save' }).click();
    await preferences.getByRole('status').filter({ hasText: 'Your preferences are saved.' }).waitFor();
    assert.equal(await preferences.getByLabel('A weekly digest').isChecked(), true);
    assert.equal((await subscriberRow(site)).frequency, 'weekly');

    // 5. The next weekly digest, with this week's articles, reads well anywhere.
    clock.set('2026-01-12T07:00:00Z');
    writeArticle(seedsDir, { slug: 'sunday-market-returns-to-the-old-harbour', date: '11 January 2026' });
    await gazette.core.ingest.run();
    const edition = await createDueEdition(gazette.core.store.db, 'weekly', new Date('2026-01-05T07:00:00Z'), clock.now(), clock.now());
    assert.equal(edition?.recipients, 1);
    await gazette.core.mail.deliverPending({ limit: 10 });
    const [, , digest] = await sink.waitFor(3);
    const digestHtml = htmlOf(digest);
    assert.match(digestHtml, /Sunday market returns to the old harbour/);
    assert.match(digestHtml, /City council approves new cycle lanes along the river/);
    assert.deepEqual(await checkMailHtml(browser, digestHtml, 'weekly digest'), []);

    // 6. Its visible unsubscribe link shows a page that changes nothing; the button unsubscribes.
    const unsubscribe = await clickLinkInMail(context, digestHtml, 'Unsubscribe');
    assert.match(new URL(unsubscribe.url()).pathname, /^\/unsubscribe\//);
    assert.equal(await unsubscribe.locator('h1').textContent(), 'Unsubscribe');
    await assertAccessible(unsubscribe);
    assert.equal((await subscriberRow(site)).status, 'confirmed');
    await unsubscribe.getByRole('button', { name: 'Unsubscribe' }).click();
    await unsubscribe.locator('h1', { hasText: 'You are unsubscribed' }).waitFor();
    await assertAccessible(unsubscribe);
    assert.equal((await subscriberRow(site)).status, 'unsubscribed');
    assert.deepEqual(errors, []);

    // 7. Every page of the flow, as it now stands, at phone and desktop width, light and dark.
    const pathOf = (p: Page): string => new URL(p.url()).pathname;
    const flowPages = [
      [pathOf(confirmPage), 410], // the link was used
      [pathOf(preferences), 200],
      [pathOf(unsubscribe), 200],
      ['/confirm/forged-token', 400],
    ] as const;
    assert.deepEqual(await checkSitePages(page, flowPages), []);
  },
);

it('an instant mail with long words, a long URL and the whole article reads well on a phone and a desktop', BROWSER_TEST, async (t) => {
  const site = await openSiteWithMail(t);
  const { page, context, sink, browser, gazette, clock, seedsDir } = site;
  await page.goto('/subscribe');
  await page.getByLabel('Email address').fill('ada@example.org');
  await page.getByLabel('Each article as it is published').check();
  await page.getByLabel(/Send me new articles by email/).check();
  clock.advance(gazette.core.config.subscriptions.minFormSeconds * 1000);
  await page.getByRole('button', { name: 'Subscribe' }).click();
  const [confirmation] = await sink.waitFor(1);
  const confirmPage = await clickLinkInMail(context, htmlOf(confirmation), 'Confirm my subscription');
  await confirmPage.getByRole('button', { name: 'Confirm my subscription' }).click();
  await confirmPage.locator('h1', { hasText: 'You are subscribed' }).waitFor();
  await sink.waitFor(2); // the welcome mail
  // Instant mailing starts after the articles already there were ingested (a real clock has moved on by then).
  clock.advance(60_000);
  assert.deepEqual(
    await createInstantEditions(gazette.core.store.db, clock.now()),
    [],
    'the first run only marks where instant mail starts',
  );

  clock.advance(60_000);
  writeArticle(seedsDir, { ...LONG_WORDS_ARTICLE, date: clock.now().toISOString() });
  await gazette.core.ingest.run();
  const editions = await createInstantEditions(gazette.core.store.db, clock.now());
  assert.equal(editions.length, 1);
  await gazette.core.mail.deliverPending({ limit: 10 });
  const [, , instant] = await sink.waitFor(3);
  const html = htmlOf(instant);
  assert.match(html, /Pneumonoultramicroscopicsilicovolcanoconiosis/);
  assert.deepEqual(await checkMailHtml(browser, html, 'instant mail'), []);
});
