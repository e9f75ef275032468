/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { BROWSER_TEST, launchBrowser } from '../support/browser.ts';
import { startBrowserGazette } from '../support/browser-gazette.ts';
import { collectConsoleErrors, DESKTOP, seriousAxeViolations } from '../support/page-checks.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

async function openSubscribePage(t: TestContext, subscriptions: { [key: string]: Json }) {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const site = await startBrowserGazette(t, { overrides: { mail: { smtpUrl: sink.url }, subscriptions } });
  const browser = await launchBrowser(t);
  const context = await browser.newContext({ baseURL: site.baseUrl, viewport: DESKTOP });
  const page = await context.newPage();
  return { ...site, sink, page };
}

/** A person fills the form (keyboard and mouse, as Chromium sends them), after the minimum time a person takes. */
async function fillAndSend(site: Awaited<ReturnType<typeof openSubscribePage>>, email: string) {
  const { page, clock, gazette } = site;
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('A weekly digest').check();
  await page.getByLabel(/Send me new articles by email/).check();
  clock.advance(gazette.core.config.subscriptions.minFormSeconds * 1000);
  const [sent] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Subscribe' }).click(),
  ]);
  assert.equal(sent.status(), 202);
  assert.equal(await page.locator('h1').textContent(), 'Check your inbox');
  const [confirmation] = await site.sink.waitFor(1);
  assert.deepEqual(confirmation!.envelopeTo, [email], 'the confirmation mail arrived, in one try');
  const refused = await gazette.core.store.db.selectFrom('signup_refusals').selectAll().execute();
  assert.deepEqual(refused, [], 'the guard let the person through');
}

it(
  'a person subscribes in one try on the plain form: no script, the honeypot out of sight and out of the tab order',
  BROWSER_TEST,
  async (t) => {
    const site = await openSubscribePage(t, {});
    const { page } = site;
    const errors = collectConsoleErrors(page);
    await page.goto('/subscribe');
    assert.equal(await page.locator('script').count(), 0, 'no script without proof of work');
    const trap = await page.locator('input[name="website"]').boundingBox();
    assert.ok(trap && trap.x + trap.width <= 0, `the honeypot is out of sight (${JSON.stringify(trap)})`);
    assert.deepEqual(await seriousAxeViolations(page), [], 'axe on the form with its hidden fields');
    // Tabbing through the form never lands on the honeypot.
    const focused: string[] = [];
    await page.getByLabel('Email address').focus();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => document.activeElement?.getAttribute('name') ?? ''));
    }
    assert.ok(!focused.includes('website'), `tab order: ${focused.join(', ')}`);
    await fillAndSend(site, 'grace@example.org');
    assert.deepEqual(errors, []);
  },
);

it(
  'with proof of work on, the widget from our own origin solves in the browser and the person subscribes in one try',
  BROWSER_TEST,
  async (t) => {
    const site = await openSubscribePage(t, { proofOfWork: { enabled: true, complexity: 5000 } });
    const { page, baseUrl } = site;
    const errors = collectConsoleErrors(page);
    const origins = new Set<string>();
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    const answer = await page.goto('/subscribe');
    assert.match(answer!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    // The widget fills its hidden `altcha` field once it has solved the challenge (it starts on load).
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input[name="altcha"]')?.value, undefined, {
      timeout: 60_000,
    });
    await fillAndSend(site, 'ada@example.org');
    assert.deepEqual([...origins], [baseUrl], 'nothing loaded from a third party');
    assert.deepEqual(errors, []);
  },
);
