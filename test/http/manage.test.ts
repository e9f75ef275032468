import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import type { Gazette } from '../../src/main.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a client can observe of an answer: status, body and every header but Date and X-Request-Id. */
function observable(res: request.Response): unknown {
  // Date and the request id differ per request and say nothing about the address.
  const { date: _date, 'x-request-id': _requestId, ...headers } = res.headers;
  return { status: res.status, headers, body: res.text };
}

function ask(gazette: Gazette, email: string, html = false) {
  const req = request(gazette.server.app).post('/manage');
  return html ? req.set('Accept', 'text/html').type('form').send({ email }) : req.send({ email });
}

async function manageDeliveries(gazette: Gazette): Promise<string[]> {
  const rows = await gazette.core.store.db.selectFrom('deliveries').where('kind', '=', 'manage').select('subscriber_id').execute();
  return rows.map((r) => r.subscriber_id);
}

for (const kind of storeKinds)
  describe(`/manage on ${kind}`, () => {
    const world = async (t: Parameters<typeof startSubscriptionsWorld>[0], subscriptions: { [key: string]: Json } = {}) =>
      startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) }, subscriptions });

    it('a confirmed subscriber gets one mail whose link opens their preferences page', async (t) => {
      const { gazette, sink } = await world(t);
      const app = gazette.server.app;
      const reader = await insertSubscriber(gazette.core.store.db, { email: 'kept@example.org', name: 'Lin', status: 'confirmed' });

      const form = assertDocumented('get', '/manage', await request(app).get('/manage').set('Accept', 'text/html'));
      assert.equal(form.status, 200);
      assert.match(form.text, /Enter your address and we will mail you a link to change your preferences or unsubscribe\./);
      assert.match(form.text, /<form method="post" action="\/manage">/);
      assert.doesNotMatch(form.text, /<script/);
      assertDocumented('get', '/manage', await request(app).get('/manage'));

      const accepted = assertDocumented('post', '/manage', await ask(gazette, 'kept@example.org'));
      assert.equal(accepted.status, 202);
      assert.equal(accepted.body.status, 'accepted');
      assert.equal(accepted.headers['cache-control'], 'no-store');
      await gazette.core.mail.deliverPending({ limit: 10 });
      const [mail] = await sink.waitFor(1);
      assert.equal(sink.messages.length, 1);
      assert.deepEqual(mail!.envelopeTo, ['kept@example.org']);
      assert.match(mail!.parsed.subject ?? '', /manage your subscription/);
      assert.match(mail!.parsed.text ?? '', /Hello Lin,/);
      const link = /Manage my subscription: (https:\/\/news\.example\.com(\/preferences\/\S+))/.exec(mail!.parsed.text ?? '');
      assert.ok(link, 'the text part carries the preferences link');
      assert.match(String(mail!.parsed.html), new RegExp(link[1]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
      const page = await request(app).get(link[2]!).set('Accept', 'text/html');
      assert.equal(page.status, 200);
      assert.match(page.text, /kept@example\.org/);
      const json = await request(app).get(link[2]!);
      assert.equal(json.body.subscriber.id, reader.id);
    });

    it('unknown, pending, unsubscribed and bounced addresses get the same answer as a confirmed one, and no mail', async (t) => {
      const { gazette, sink } = await world(t);
      const db = gazette.core.store.db;
      const confirmed = await insertSubscriber(db, { email: 'confirmed@example.org', status: 'confirmed' });
      await insertSubscriber(db, { email: 'pending@example.org', status: 'pending' });
      await insertSubscriber(db, { email: 'unsubscribed@example.org', status: 'unsubscribed' });
      await insertSubscriber(db, { email: 'bounced@example.org', status: 'bounced' });
      const others = ['nobody@example.org', 'pending@example.org', 'unsubscribed@example.org', 'bounced@example.org'];
      for (const html of [false, true]) {
        const first = observable(await ask(gazette, 'confirmed@example.org', html));
        assert.equal((first as { status: number }).status, 202);
        for (const email of others) assert.deepEqual(observable(await ask(gazette, email, html)), first, email);
      }
      assert.deepEqual(await manageDeliveries(gazette), [confirmed.id, confirmed.id], 'mail only for the confirmed address');

      // Unsubscribed between the request and the send: the delivery context skips the mail.
      await db.updateTable('subscribers').set({ status: 'unsubscribed' }).where('id', '=', confirmed.id).execute();
      const report = await gazette.core.mail.deliverPending({ limit: 10 });
      assert.equal(report.skipped, 2);
      assert.equal(sink.messages.length, 0);
    });

    it('per address: at most the daily limit of mails, the same 202 after it, counted under a keyed hash; the next day another', async (t) => {
      const { gazette, clock } = await world(t, { maxManageRequestsPerAddressPerDay: 2 });
      const db = gazette.core.store.db;
      const reader = await insertSubscriber(db, { email: 'often@example.org', status: 'confirmed' });
      clock.set('2026-01-10T08:10:00Z');
      const first = observable(await ask(gazette, 'often@example.org'));
      for (let i = 0; i < 3; i++) {
        // A later hour opens new windows for the other limiters, and their pruning must leave this day's count alone.
        clock.advance(3600_000);
        assert.equal(
          (
            await request(gazette.server.app)
              .post('/subscribe')
              .send({ email: `s${i}@example.org`, consent: true })
          ).status,
          202,
        );
        assert.deepEqual(observable(await ask(gazette, 'often@example.org')), first);
      }
      assert.deepEqual(await manageDeliveries(gazette), [reader.id, reader.id], 'two mails for four requests');
      const keys = (await db.selectFrom('rate_limit_counters').select('key').execute()).map((r) => r.key);
      assert.ok(
        keys.every((k) => !k.includes('often')),
        `no plaintext address in the counters: ${keys.join(', ')}`,
      );

      clock.set('2026-01-11T00:00:01Z');
      await ask(gazette, 'often@example.org');
      assert.equal((await manageDeliveries(gazette)).length, 3, 'a new day, a new mail');
    });

    it('per client: over the hourly limit a documented 429 with Retry-After, counting nothing; the next hour is open', async (t) => {
      const { gazette, clock } = await world(t, { maxManageRequestsPerIpPerHour: 2 });
      const db = gazette.core.store.db;
      await insertSubscriber(db, { email: 'ip@example.org', status: 'confirmed' });
      clock.set('2026-01-10T12:45:00Z');
      for (let i = 0; i < 2; i++) assert.equal((await ask(gazette, `x${i}@example.org`)).status, 202);
      const counters = await db.selectFrom('rate_limit_counters').selectAll().orderBy('key').execute();
      const limited = assertDocumented('post', '/manage', await ask(gazette, 'ip@example.org'));
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'RateLimited');
      assert.equal(limited.headers['retry-after'], String(15 * 60));
      const html = await ask(gazette, 'ip@example.org', true);
      assert.equal(html.status, 429);
      assert.match(html.text, /try again in 15 minutes/);
      assert.deepEqual(await db.selectFrom('rate_limit_counters').selectAll().orderBy('key').execute(), counters, 'refusals count nothing');
      assert.deepEqual(await manageDeliveries(gazette), []);

      clock.set('2026-01-10T13:00:00Z');
      assert.equal((await ask(gazette, 'ip@example.org')).status, 202);
      assert.equal((await manageDeliveries(gazette)).length, 1);
    });

    it('a malformed, missing or unknown field is a 400 that names it, as on /subscribe; nothing is counted', async (t) => {
      const { gazette } = await world(t);
      const app = gazette.server.app;
      const malformed = assertDocumented('post', '/manage', await ask(gazette, 'not-an-address'));
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'InvalidEmail');
      assert.match(malformed.body.error.message, /email/);
      const subscribe = await request(app).post('/subscribe').send({ email: 'not-an-address', consent: true });
      assert.equal(malformed.body.error.message, subscribe.body.error.message, 'the same rules as /subscribe');
      const missing = assertDocumented('post', '/manage', await request(app).post('/manage').send({}));
      assert.equal(missing.status, 400);
      assert.match(missing.body.error.message, /email is required/);
      const unknown = assertDocumented('post', '/manage', await request(app).post('/manage').send({ email: 'a@example.org', name: 'x' }));
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, 'UnknownField');
      const form = await ask(gazette, 'not-an-address', true);
      assert.equal(form.status, 400);
      assert.match(form.text, /role="alert"/);
      assert.match(form.text, /value="not-an-address"/);
      assert.equal(Number((await gazette.core.store.db.selectFrom('rate_limit_counters').select('key').execute()).length), 0);
    });

    it('a bad or expired link offers a fresh one through /manage', async (t) => {
      const { gazette } = await world(t);
      const page = await request(gazette.server.app).get('/preferences/forged.token').set('Accept', 'text/html');
      assert.equal(page.status, 400);
      assert.match(page.text, /<a href="\/manage">/);
    });
  });
