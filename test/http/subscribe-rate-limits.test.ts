import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { assertDocumented } from '../support/api-contract.ts';
import { startSubscriptionsWorld, fetchFormStamp } from '../support/subscriptions-setup.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

for (const kind of storeKinds)
  describe(`subscription rate limits on ${kind}`, () => {
    it('per IP: over the hourly limit a 429 with Retry-After, counted in the store; the next hour is open again', async (t) => {
      const { gazette, clock } = await startSubscriptionsWorld(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        subscriptions: { maxSubscribesPerIpPerHour: 3 },
      });
      const app = gazette.server.app;
      clock.set('2026-01-10T12:45:00Z');
      for (let i = 0; i < 3; i++)
        assert.equal(
          (
            await request(app)
              .post('/subscribe')
              .send({ email: `r${i}@example.com`, consent: true })
          ).status,
          202,
        );
      const limited = assertDocumented(
        'post',
        '/subscribe',
        await request(app).post('/subscribe').send({ email: 'r3@example.com', consent: true }),
      );
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'RateLimited');
      assert.equal(limited.headers['retry-after'], String(15 * 60), 'seconds until the window ends');
      assert.equal(
        await gazette.core.store.db.selectFrom('subscribers').where('email', '=', 'r3@example.com').select('id').executeTakeFirst(),
        undefined,
      );
      const html = await request(app)
        .post('/subscribe')
        .set('Accept', 'text/html')
        .type('form')
        .send({ email: 'r4@example.com', consent: 'yes', stamp: await fetchFormStamp({ gazette, clock }) });
      assert.equal(html.status, 429);
      assert.match(html.text, /try again in 15 minutes/);
      const counter = await gazette.core.store.db.selectFrom('rate_limit_counters').selectAll().executeTakeFirstOrThrow();
      assert.equal(counter.hits, 3, 'refused requests leave nothing behind, not even their count');

      clock.set('2026-01-10T13:00:00Z');
      assert.equal((await request(app).post('/subscribe').send({ email: 'r5@example.com', consent: true })).status, 202);
      const windows = await gazette.core.store.db.selectFrom('rate_limit_counters').select('window_start').execute();
      assert.deepEqual(windows.map((w) => w.window_start).sort(), ['2026-01-10T12:00:00.000Z', '2026-01-10T13:00:00.000Z']);
    });

    it('the IP limit is shared by two instances on one database', async (t) => {
      const first = await startSubscriptionsWorld(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        subscriptions: { maxSubscribesPerIpPerHour: 2 },
      });
      const { createGazette } = await import('../../src/main.ts');
      const second = await createGazette(first.gazette.core.config, { clock: first.clock });
      t.after(() => second.close());
      assert.equal(
        (await request(first.gazette.server.app).post('/subscribe').send({ email: 'a@example.com', consent: true })).status,
        202,
      );
      assert.equal((await request(second.server.app).post('/subscribe').send({ email: 'b@example.com', consent: true })).status, 202);
      assert.equal(
        (await request(first.gazette.server.app).post('/subscribe').send({ email: 'c@example.com', consent: true })).status,
        429,
      );
    });

    it('per address: at most one confirmation mail per window, silently; after the window another one', async (t) => {
      const { gazette, clock, sink } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const app = gazette.server.app;
      const resendMs = gazette.core.config.subscriptions.confirmationResendMinutes * 60_000;
      const ask = () => request(app).post('/subscribe').send({ email: 'flooded@example.com', consent: true });
      const first = await ask();
      for (let i = 0; i < 5; i++) {
        clock.advance(60_000);
        const again = await ask();
        assert.equal(again.status, 202);
        assert.deepEqual(again.body, first.body, 'the same answer: the limit reveals nothing');
      }
      await gazette.core.mail.deliverPending({ limit: 10 });
      await sink.waitFor(1);
      assert.equal(sink.messages.length, 1, 'one confirmation mail for six requests');
      assert.equal(
        Number(
          (
            await gazette.core.store.db
              .selectFrom('subscription_confirmations')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
        1,
      );

      clock.advance(resendMs);
      await ask();
      await gazette.core.mail.deliverPending({ limit: 10 });
      await sink.waitFor(2);
      assert.equal(sink.messages.length, 2);
      // Both links work until one is used; using one voids the other.
      const links = sink.messages.map((m) => /https:\/\/news\.example\.com(\/confirm\/\S+)/.exec(m.parsed.text ?? '')![1]!);
      assert.equal((await request(app).post(links[1]!)).status, 200);
      assert.equal((await request(app).post(links[0]!)).body.error.code, 'TokenUsed');
    });
  });

// Concurrent writers are PostgreSQL's case (a SQLite file is one instance's).
describe('subscription rate limits on postgres, requests at the same moment', () => {
  it('two instances answering eight requests from one address at once accept exactly the limit', async (t) => {
    const first = await startSubscriptionsWorld(t, {
      database: { url: await makeTestDatabaseUrl(t, 'postgres') },
      subscriptions: { maxSubscribesPerIpPerHour: 3 },
    });
    const { createGazette } = await import('../../src/main.ts');
    const second = await createGazette(first.gazette.core.config, { clock: first.clock });
    t.after(() => second.close());
    const apps = [first.gazette.server.app, second.server.app];
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        request(apps[i % 2]!)
          .post('/subscribe')
          .send({ email: `burst${i}@example.com`, consent: true }),
      ),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [202, 202, 202, 429, 429, 429, 429, 429]);
    assert.equal((await first.gazette.core.store.db.selectFrom('subscribers').select('id').execute()).length, 3);
  });
});
