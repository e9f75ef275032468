import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { writeArticle } from '../support/build-article.ts';
import { headerLines } from '../support/mail-fixtures.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { snapshotSubscribers, startSubscriptionsWorld, fetchFormStamp } from '../support/subscriptions-setup.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

const BASE = 'https://news.example.com';

function linkIn(text: string | undefined, kind: 'confirm' | 'unsubscribe' | 'preferences'): string {
  const match = new RegExp(`${BASE}(/${kind}/[A-Za-z0-9._-]+)`).exec(text ?? '');
  assert.ok(match, `the mail's text carries a /${kind}/ link`);
  return match[1]!;
}

for (const kind of storeKinds)
  describe(`subscription flow on ${kind}`, () => {
    it('subscribe, confirm from the mail, get the welcome and the next digest, one-click unsubscribe, then nothing', async (t) => {
      const { gazette, clock, sink, seedsDir } = await startSubscriptionsWorld(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
      });
      const app = gazette.server.app;
      const db = gazette.core.store.db;
      writeArticle(seedsDir, { slug: 'an-older-story', date: '2026-01-09T09:00Z' });
      await gazette.core.ingest.run();

      // 1. The form, as a browser sends it.
      const form = await request(app).get('/subscribe').set('Accept', 'text/html');
      assertDocumented('get', '/subscribe', form);
      assert.match(form.text, /<form method="post" action="\/subscribe">/);
      const stamp = await fetchFormStamp({ gazette, clock });
      const sent = await request(app)
        .post('/subscribe')
        .set('Accept', 'text/html')
        .type('form')
        .send({ email: 'Grace@Example.ORG', name: 'Grace', frequency: 'daily', consent: 'yes', stamp, website: '' });
      assertDocumented('post', '/subscribe', sent);
      assert.equal(sent.status, 202);
      assert.match(sent.text, /Check your inbox/);
      const pending = await db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.equal(pending.status, 'pending');
      assert.equal(pending.email, 'Grace@example.org');

      // 2. The confirmation mail was queued, not sent inline: it arrives when the outbox is delivered.
      assert.equal(sink.messages.length, 0);
      await gazette.core.mail.deliverPending({ limit: 10 });
      const [confirmation] = await sink.waitFor(1);
      assert.deepEqual(confirmation!.envelopeTo, ['Grace@example.org']);
      const confirmPath = linkIn(confirmation!.parsed.text, 'confirm');

      // 3. Following the link (as a mail scanner would) shows a page and changes nothing.
      const before = await snapshotSubscribers(gazette);
      const page = assertDocumented('get', confirmPath, await request(app).get(confirmPath).set('Accept', 'text/html'));
      assert.equal(page.status, 200);
      assert.ok(
        page.text.includes(`<form class="subscribe" method="post" action="${confirmPath}">`),
        'the page has a Confirm button that POSTs',
      );
      assert.match(page.text, /Grace@example.org/);
      assert.equal(await snapshotSubscribers(gazette), before);

      // 4. The button confirms.
      const confirmed = assertDocumented(
        'post',
        confirmPath,
        await request(app).post(confirmPath).set('Accept', 'text/html').type('form').send(''),
      );
      assert.equal(confirmed.status, 200);
      assert.match(confirmed.text, /You are subscribed/);
      const row = await db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.status, 'confirmed');
      assert.equal(row.frequency, 'daily');
      assert.equal(row.consent_source, 'form');
      assert.match(row.consent_ip ?? '', /127\.0\.0\.1$/);
      assert.equal(row.consent_text, gazette.core.config.subscriptions.consentText);

      // 5. The welcome mail: the chosen frequency, the latest article, the preferences link.
      await gazette.core.mail.deliverPending({ limit: 10 });
      const [, welcome] = await sink.waitFor(2);
      assert.equal(welcome!.parsed.subject, 'Welcome to Gazette');
      assert.match(welcome!.parsed.text ?? '', /daily digest/);
      assert.match(welcome!.parsed.text ?? '', /an-older-story/);
      linkIn(welcome!.parsed.text, 'preferences');

      // 6. The next daily digest reaches the new subscriber.
      clock.set('2026-01-11T07:00:00Z');
      writeArticle(seedsDir, { slug: 'todays-story', date: '2026-01-10T15:00Z' });
      await gazette.core.ingest.run();
      const edition = await createDueEdition(db, 'daily', new Date('2026-01-10T07:00:00Z'), clock.now(), clock.now());
      assert.equal(edition?.recipients, 1);
      await gazette.core.mail.deliverPending({ limit: 10 });
      const [, , digest] = await sink.waitFor(3);
      assert.deepEqual(digest!.envelopeTo, ['Grace@example.org']);
      assert.match(digest!.parsed.text ?? '', /todays-story/);
      const [listUnsubscribe] = headerLines(digest!.parsed, 'List-Unsubscribe');
      const oneClickUrl = /<(https:[^>]+)>/.exec(listUnsubscribe ?? '')![1]!;
      assert.ok(oneClickUrl.startsWith(`${BASE}/unsubscribe/`));

      // 7. RFC 8058 one-click: a POST with List-Unsubscribe=One-Click, no cookie; 200, no redirect, no cookie set.
      const path = oneClickUrl.slice(BASE.length);
      const oneClick = assertDocumented('post', path, await request(app).post(path).type('form').send('List-Unsubscribe=One-Click'));
      assert.equal(oneClick.status, 200);
      assert.equal(oneClick.headers.location, undefined);
      assert.equal(oneClick.headers['set-cookie'], undefined);
      assert.deepEqual(oneClick.body, { status: 'unsubscribed' });
      assert.equal((await db.selectFrom('subscribers').select('status').executeTakeFirstOrThrow()).status, 'unsubscribed');

      // 8. Nothing after: the next digest has no recipient and nothing reaches the sink.
      clock.set('2026-01-12T07:00:00Z');
      writeArticle(seedsDir, { slug: 'tomorrows-story', date: '2026-01-11T15:00Z' });
      await gazette.core.ingest.run();
      const next = await createDueEdition(db, 'daily', new Date('2026-01-11T07:00:00Z'), clock.now(), clock.now());
      assert.equal(next?.recipients ?? 0, 0);
      await gazette.core.mail.deliverPending({ limit: 10 });
      assert.equal(sink.messages.length, 3);
    });

    it('one-click unsubscribe accepts multipart and empty bodies, and is idempotent', async (t) => {
      const { gazette } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const app = gazette.server.app;
      await request(app).post('/subscribe').send({ email: 'multi@example.com', consent: true });
      const id = (await gazette.core.store.db.selectFrom('subscribers').select('id').executeTakeFirstOrThrow()).id;
      const path = `/unsubscribe/${gazette.core.signer.sign('manage', id)}`;
      const multipart = await request(app).post(path).field('List-Unsubscribe', 'One-Click');
      assert.equal(multipart.status, 200);
      assert.deepEqual(multipart.body, { status: 'unsubscribed' });
      const empty = await request(app).post(path);
      assert.equal(empty.status, 200);
      assert.deepEqual(empty.body, { status: 'already-unsubscribed' });
      const html = await request(app).post(path).set('Accept', 'text/html').type('form').send('');
      assert.equal(html.status, 200);
      assert.match(html.text, /You are unsubscribed/);
      const get = assertDocumented('get', path, await request(app).get(path).set('Accept', 'text/html'));
      assert.ok(get.text.includes(`method="post" action="${path}"`));
    });

    it('the unsubscribe page GET changes nothing; subscribing again after unsubscribing needs a new confirmation', async (t) => {
      const { gazette, clock, sink } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const app = gazette.server.app;
      const db = gazette.core.store.db;
      await request(app).post('/subscribe').send({ email: 'back@example.com', consent: true, frequency: 'weekly' });
      await gazette.core.mail.deliverPending({ limit: 10 });
      await request(app).post(linkIn((await sink.waitFor(1))[0]!.parsed.text, 'confirm'));
      await gazette.core.mail.deliverPending({ limit: 10 });
      const unsubscribePath = linkIn((await sink.waitFor(2))[1]!.parsed.text, 'unsubscribe');

      const before = await snapshotSubscribers(gazette);
      assert.equal((await request(app).get(unsubscribePath).set('Accept', 'text/html')).status, 200);
      assert.equal(await snapshotSubscribers(gazette), before, 'GET changed nothing');
      assert.equal((await request(app).post(unsubscribePath)).status, 200);

      clock.advance(2 * 3600_000);
      await request(app).post('/subscribe').send({ email: 'back@example.com', consent: true, frequency: 'instant' });
      const again = await db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.equal(again.status, 'pending', 'not confirmed by asking again');
      await gazette.core.mail.deliverPending({ limit: 10 });
      const [, , reconfirm] = await sink.waitFor(3);
      assert.match(reconfirm!.parsed.subject ?? '', /Confirm/);
      const confirmed = await request(app).post(linkIn(reconfirm!.parsed.text, 'confirm'));
      assert.equal(confirmed.status, 200);
      const after = await db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.equal(after.status, 'confirmed');
      assert.equal(after.frequency, 'instant');
    });

    it('a confirmation link expires, is single-use, and a forged one is refused; the pages say so and offer to subscribe again', async (t) => {
      const { gazette, clock, sink } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const app = gazette.server.app;
      const db = gazette.core.store.db;
      await request(app).post('/subscribe').send({ email: 'late@example.com', consent: true });
      await request(app).post('/subscribe').send({ email: 'twice@example.com', consent: true });
      await gazette.core.mail.deliverPending({ limit: 10 });
      const mails = await sink.waitFor(2);
      const linkFor = (address: string) => linkIn(mails.find((m) => m.envelopeTo[0] === address)!.parsed.text, 'confirm');

      // Used: the second POST and any GET after it get 410 TokenUsed.
      const twice = linkFor('twice@example.com');
      assert.equal((await request(app).post(twice)).status, 200);
      const reused = assertDocumented('post', twice, await request(app).post(twice));
      assert.equal(reused.status, 410);
      assert.equal(reused.body.error.code, 'TokenUsed');
      const usedPage = await request(app).get(twice).set('Accept', 'text/html');
      assert.equal(usedPage.status, 410);
      assert.match(usedPage.text, /already been used/);
      assert.match(usedPage.text, /href="\/subscribe"/);

      // Expired: one minute past the configured lifetime (168 hours).
      clock.advance(gazette.core.config.subscriptions.confirmationTtlHours * 3600_000 + 60_000);
      const late = linkFor('late@example.com');
      const expiredPage = assertDocumented('get', late, await request(app).get(late).set('Accept', 'text/html'));
      assert.equal(expiredPage.status, 410);
      assert.match(expiredPage.text, /expired/);
      assert.match(expiredPage.text, /Subscribe again/);
      const expired = await request(app).post(late);
      assert.equal(expired.body.error.code, 'TokenExpired');
      const lateRow = await db.selectFrom('subscribers').selectAll().where('email', '=', 'late@example.com').executeTakeFirstOrThrow();
      assert.equal(lateRow.status, 'pending');

      // Forged: one character changed in the signature.
      const forged = late.slice(0, -2) + (late.endsWith('AA') ? 'BB' : 'AA');
      const forgedAnswer = assertDocumented('post', forged, await request(app).post(forged));
      assert.equal(forgedAnswer.status, 400);
      assert.equal(forgedAnswer.body.error.code, 'InvalidToken');
    });
  });
