import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import request from 'supertest';
import { assertDocumented } from '../support/api-contract.ts';
import { startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

/** A confirmed subscriber made through the real flow, and the path of their preferences page. */
async function confirmedReader(t: TestContext, kind: StoreKind) {
  const world = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
  const app = world.gazette.server.app;
  await request(app)
    .post('/subscribe')
    .set('User-Agent', 'TestBrowser/1.0')
    .send({ email: 'prefs@example.com', name: 'Lin', consent: true, frequency: 'weekly' });
  const confirmationId = (await world.gazette.core.store.db.selectFrom('subscription_confirmations').select('id').executeTakeFirstOrThrow())
    .id;
  const confirmed = await request(app).post(`/confirm/${world.gazette.core.signer.sign('confirm', confirmationId)}`);
  const path = new URL(confirmed.body.preferencesUrl as string).pathname;
  return { ...world, app, path, id: confirmed.body.subscriber.id as string };
}

for (const kind of storeKinds)
  describe(`preferences on ${kind}`, () => {
    it('the preferences page shows four forms that work without JavaScript; saving changes name and frequency', async (t) => {
      const { app, path, gazette } = await confirmedReader(t, kind);
      const page = assertDocumented('get', path, await request(app).get(path).set('Accept', 'text/html'));
      assert.equal(page.status, 200);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.equal([...page.text.matchAll(new RegExp(`<form method="post" action="${path}">`, 'g'))].length, 4);
      assert.doesNotMatch(page.text, /<script/);
      assert.match(page.text, /value="weekly" checked/);

      const saved = assertDocumented(
        'post',
        path,
        await request(app)
          .post(path)
          .set('Accept', 'text/html')
          .type('form')
          .send({ action: 'update', name: ' Lin  Wei ', frequency: 'daily' }),
      );
      assert.equal(saved.status, 200);
      assert.match(saved.text, /Your preferences are saved/);
      assert.match(saved.text, /value="daily" checked/);
      const row = await gazette.core.store.db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([row.name, row.frequency, row.status], ['Lin Wei', 'daily', 'confirmed']);

      const json = assertDocumented('post', path, await request(app).post(path).send({ action: 'update', name: '' }));
      assert.equal(json.body.subscriber.name, null);
      assert.equal(json.body.subscriber.frequency, 'daily');
    });

    it('download my data gives a JSON file with the consent record; no link-making ids in it', async (t) => {
      const { app, path } = await confirmedReader(t, kind);
      const res = assertDocumented('post', path, await request(app).post(path).type('form').send({ action: 'export' }));
      assert.equal(res.status, 200);
      assert.match(res.headers['content-disposition'] ?? '', /attachment; filename="my-subscription-data\.json"/);
      const data = JSON.parse(res.text);
      assert.equal(data.subscriber.email, 'prefs@example.com');
      assert.equal(data.subscriber.consent.userAgent, 'TestBrowser/1.0');
      assert.equal(data.subscriber.consent.source, 'api');
      assert.equal(data.confirmationRequests.length, 1);
      assert.equal(data.confirmationRequests[0].id, undefined);
    });

    it('unsubscribe from the preferences page; the page then says so and offers no second unsubscribe', async (t) => {
      const { app, path, gazette } = await confirmedReader(t, kind);
      const res = await request(app).post(path).set('Accept', 'text/html').type('form').send({ action: 'unsubscribe' });
      assert.equal(res.status, 200);
      assert.match(res.text, /You are unsubscribed/);
      assert.equal(
        (await gazette.core.store.db.selectFrom('subscribers').select('status').executeTakeFirstOrThrow()).status,
        'unsubscribed',
      );
      const page = await request(app).get(path).set('Accept', 'text/html');
      assert.match(page.text, /unsubscribed; no mail is sent/);
      assert.doesNotMatch(page.text, /value="unsubscribe"/);
    });

    it('delete my data removes the subscriber, their confirmations and their outbox rows; the link then finds nothing', async (t) => {
      const { app, path, gazette, id } = await confirmedReader(t, kind);
      const db = gazette.core.store.db;
      assert.ok(
        (await db.selectFrom('deliveries').where('subscriber_id', '=', id).selectAll().execute()).length > 0,
        'confirmation and welcome were queued',
      );
      const res = assertDocumented(
        'post',
        path,
        await request(app).post(path).set('Accept', 'text/html').type('form').send({ action: 'delete', confirm: 'yes' }),
      );
      assert.equal(res.status, 200);
      assert.match(res.text, /Your data is deleted/);
      assert.equal((await db.selectFrom('subscribers').selectAll().execute()).length, 0);
      assert.equal((await db.selectFrom('subscription_confirmations').selectAll().execute()).length, 0);
      assert.equal((await db.selectFrom('deliveries').where('subscriber_id', '=', id).selectAll().execute()).length, 0);
      const gone = assertDocumented('get', path, await request(app).get(path));
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'SubscriberNotFound');
      // An old mail's one-click link still answers 200: the address gets nothing, which is what was asked.
      const unsubscribePath = path.replace('/preferences/', '/unsubscribe/');
      const oneClick = await request(app).post(unsubscribePath).type('form').send('List-Unsubscribe=One-Click');
      assert.equal(oneClick.status, 200);
      assert.deepEqual(oneClick.body, { status: 'no-such-subscriber' });
    });

    it('a browser sending a bad preferences form gets the page back with the problem listed', async (t) => {
      const { app, path } = await confirmedReader(t, kind);
      const res = await request(app).post(path).set('Accept', 'text/html').type('form').send({ action: 'delete' });
      assert.equal(res.status, 400);
      assert.match(res.text, /role="alert"/);
      assert.match(res.text, /confirm must be &quot;yes&quot;/);
    });
  });
