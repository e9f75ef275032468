import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { waitUntil } from '../support/wait.ts';
import { ADMIN_TOKEN, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

const HOUR = 3600_000;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

for (const kind of storeKinds)
  describe(`the purge job on ${kind}`, () => {
    it('deletes sign-ups never confirmed once every link expired plus the grace period, and nothing else', async (t) => {
      const { gazette, clock, sink } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const app = gazette.server.app;
      const db = gazette.core.store.db;
      const { confirmationTtlHours, unconfirmedGraceHours } = gazette.core.config.subscriptions;
      assert.deepEqual([confirmationTtlHours, unconfirmedGraceHours], [168, 24], 'the defaults this test counts with');
      const start = clock.now().getTime();
      const subscribe = (email: string, userAgent: string) =>
        request(app).post('/subscribe').set('User-Agent', userAgent).send({ email, consent: true, frequency: 'weekly' });
      const emails = async () => (await db.selectFrom('subscribers').select('email').orderBy('email').execute()).map((r) => r.email);
      const purge = async () => {
        assert.equal(await gazette.scheduler.runNow('purge'), 'ran');
        return (await gazette.scheduler.status()).find((j) => j.name === 'purge')?.lastSummary;
      };

      // Never confirmed, asked once.
      await subscribe('ann@example.com', 'AnnBrowser/1');
      // Confirmed once, unsubscribed, then asked again: pending, but once agreed.
      await subscribe('bea@example.com', 'BeaBrowser/1');
      const { id: beaConfirmation } = await db
        .selectFrom('subscription_confirmations as c')
        .innerJoin('subscribers as s', 's.id', 'c.subscriber_id')
        .select('c.id')
        .where('s.email', '=', 'bea@example.com')
        .executeTakeFirstOrThrow();
      const confirmed = await request(app).post(`/confirm/${gazette.core.signer.sign('confirm', beaConfirmation)}`);
      const unsubscribePath = new URL(confirmed.body.unsubscribeUrl as string).pathname;
      assert.equal((await request(app).post(unsubscribePath).type('form').send('List-Unsubscribe=One-Click')).status, 200);
      // Imported without a consent source: pending, no request, no IP (the operator's list).
      const imported = await request(app).post('/api/subscribers/import').set(auth).type('text/csv').send('email\ncy@example.com\n');
      assert.equal(imported.body.imported, 1);
      // Never confirmed, asked again later: kept until the later link has expired too.
      await subscribe('dee@example.com', 'DeeBrowser/1');
      clock.set(new Date(start + HOUR + 60_000));
      await subscribe('bea@example.com', 'BeaBrowser/2');
      await subscribe('dee@example.com', 'DeeBrowser/2');
      const bea = await db.selectFrom('subscribers').selectAll().where('email', '=', 'bea@example.com').executeTakeFirstOrThrow();
      assert.equal(bea.status, 'pending');
      assert.notEqual(bea.confirmed_at, null);
      const annId = (await db.selectFrom('subscribers').select('id').where('email', '=', 'ann@example.com').executeTakeFirstOrThrow()).id;
      assert.ok((await db.selectFrom('deliveries').select('id').where('subscriber_id', '=', annId).execute()).length > 0);

      // A minute before Ann's link is TTL + grace old: nothing goes.
      const annCutoff = start + (confirmationTtlHours + unconfirmedGraceHours) * HOUR;
      clock.set(new Date(annCutoff - 60_000));
      assert.deepEqual(await purge(), { purgedUnconfirmed: 0 });
      assert.deepEqual(await emails(), ['ann@example.com', 'bea@example.com', 'cy@example.com', 'dee@example.com']);

      // A minute after: Ann, her requests (IP, user agent) and her queued mail go; nobody else.
      clock.set(new Date(annCutoff + 60_000));
      assert.deepEqual(await purge(), { purgedUnconfirmed: 1 });
      assert.deepEqual(await emails(), ['bea@example.com', 'cy@example.com', 'dee@example.com']);
      assert.deepEqual(await db.selectFrom('subscription_confirmations').select('id').where('subscriber_id', '=', annId).execute(), []);
      assert.deepEqual(await db.selectFrom('deliveries').select('id').where('subscriber_id', '=', annId).execute(), []);
      const agents = (await db.selectFrom('subscription_confirmations').select('consent_user_agent').execute()).map(
        (r) => r.consent_user_agent,
      );
      assert.ok(!agents.includes('AnnBrowser/1'));

      // Once Dee's later link has expired too, Dee goes; Bea (once confirmed) and Cy (imported) stay.
      clock.set(new Date(annCutoff + HOUR + 120_000));
      assert.deepEqual(await purge(), { purgedUnconfirmed: 1 });
      assert.deepEqual(await emails(), ['bea@example.com', 'cy@example.com']);

      // Not suppressed: Ann may sign up again, and gets her confirmation mail.
      assert.deepEqual(await db.selectFrom('suppressions').selectAll().execute(), []);
      assert.equal((await subscribe('ann@example.com', 'AnnBrowser/2')).status, 202);
      await gazette.core.mail.deliverPending({ limit: 50 });
      await waitUntil(() => sink.messages.some((m) => m.envelopeTo.includes('ann@example.com')), 'the confirmation mail to Ann');
      assert.equal(
        (await db.selectFrom('subscribers').select('status').where('email', '=', 'ann@example.com').executeTakeFirstOrThrow()).status,
        'pending',
      );
    });
  });
