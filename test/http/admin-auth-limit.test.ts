import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import request from 'supertest';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { ADMIN_TOKEN } from '../support/subscriptions-setup.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

const LIMIT = 10; // ADMIN_AUTH_LIMIT.maxFailures, as the README promises it

/** A Gazette with the admin token set whose log is captured as text; `server.trustProxy` so tests can speak for several clients. */
async function start(t: TestContext, kind: StoreKind) {
  const logged = new PassThrough();
  const log = { text: '' };
  logged.on('data', (chunk: Buffer) => (log.text += chunk.toString()));
  const { config } = makeTestConfig(t, {
    admin: { token: ADMIN_TOKEN },
    database: { url: await makeTestDatabaseUrl(t, kind) },
    server: { trustProxy: 'loopback' },
  });
  const clock = new ManualClock('2026-01-10T12:05:00Z');
  const gazette = await createGazette(config, { clock, log: createLogger({ level: 'info', destination: logged }) });
  t.after(() => gazette.close());
  return {
    gazette,
    clock,
    log,
    logEntries: () =>
      log.text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const asClient = (ip: string, authorization?: string) => ({
  'X-Forwarded-For': ip,
  ...(authorization ? { Authorization: authorization } : {}),
});

for (const kind of storeKinds)
  describe(`admin token failures on ${kind}`, () => {
    it('are logged with the client address and never the token; past the limit 429 with Retry-After, the right token too, until the window ends', async (t) => {
      const { gazette, clock, log, logEntries } = await start(t, kind);
      const app = gazette.server.app;
      const sent: string[] = [];
      for (let i = 0; i < LIMIT; i++) {
        const guess = `guess-${i}-${'x'.repeat(20)}`;
        sent.push(guess);
        const res = await request(app)
          .get('/api/subscribers/stats')
          .set(asClient('203.0.113.7', `Bearer ${guess}`));
        assert.equal(res.status, 401, `guess ${i}`);
      }
      const refused = assertDocumented(
        'get',
        '/api/subscribers/stats',
        await request(app).get('/api/subscribers/stats').set(asClient('203.0.113.7', 'Bearer one-more-guess-xxxxxxxxxx')),
      );
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error.code, 'RateLimited');
      assert.equal(refused.headers['retry-after'], String(10 * 60), '12:05 to the end of the 12:00-12:15 window');
      sent.push('one-more-guess-xxxxxxxxxx');

      const right = await request(app)
        .get('/api/editions')
        .set(asClient('203.0.113.7', `Bearer ${ADMIN_TOKEN}`));
      assert.equal(right.status, 429, 'the right token from a refused client is refused too: a guesser learns nothing');
      assert.equal(
        (
          await request(app)
            .get('/api/subscribers/stats')
            .set(asClient('198.51.100.2', `Bearer ${ADMIN_TOKEN}`))
        ).status,
        200,
        'another client is not affected',
      );

      const failures = logEntries().filter((e) => String(e.msg).startsWith('admin API:'));
      assert.equal(failures.length, LIMIT + 2, 'each failure and each refusal is one line');
      for (const entry of failures) {
        assert.equal(entry.client, '203.0.113.7');
        assert.equal(entry.level, 40, 'warn');
      }
      // The path the client asked for, not the part after the router's mount point ("/stats").
      assert.deepEqual(new Set(failures.map((e) => e.path)), new Set(['/api/subscribers/stats', '/api/editions']));
      assert.deepEqual(
        failures.slice(0, LIMIT).map((e) => e.failures),
        Array.from({ length: LIMIT }, (_, i) => i + 1),
      );
      for (const secret of [...sent, ADMIN_TOKEN]) assert.ok(!log.text.includes(secret), `the log contains ${secret}`);
      assert.ok(!log.text.includes('Bearer'), 'nothing of the Authorization header is logged');

      clock.set('2026-01-10T12:15:00Z');
      assert.equal(
        (
          await request(app)
            .get('/api/subscribers/stats')
            .set(asClient('203.0.113.7', `Bearer ${ADMIN_TOKEN}`))
        ).status,
        200,
        'the next window is open again',
      );
    });

    it('a missing header counts as a failure; a right token does not reset the count', async (t) => {
      const { gazette } = await start(t, kind);
      const app = gazette.server.app;
      for (let i = 0; i < LIMIT - 1; i++) assert.equal((await request(app).get('/api/editions').set(asClient('203.0.113.9'))).status, 401);
      assert.equal(
        (
          await request(app)
            .get('/api/editions')
            .set(asClient('203.0.113.9', `Bearer ${ADMIN_TOKEN}`))
        ).status,
        200,
      );
      assert.equal((await request(app).get('/api/editions').set(asClient('203.0.113.9', 'Bearer nope'))).status, 401, 'the tenth failure');
      assert.equal(
        (
          await request(app)
            .get('/api/editions')
            .set(asClient('203.0.113.9', `Bearer ${ADMIN_TOKEN}`))
        ).status,
        429,
      );
    });

    it('a burst spread over two instances on one database gets exactly the limit of 401s, and both instances refuse after', async (t) => {
      const { gazette, clock } = await start(t, kind);
      const second = await createGazette(gazette.core.config, { clock });
      t.after(() => second.close());
      const apps = [gazette.server.app, second.server.app];
      const burst = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          request(apps[i % 2]!)
            .get('/api/subscribers')
            .set(asClient('192.0.2.50', `Bearer wrong-${i}-xxxxxxxxxxxxxxxx`)),
        ),
      );
      const statuses = burst.map((res) => res.status);
      assert.equal(statuses.filter((s) => s === 401).length, LIMIT, statuses.join(' '));
      assert.equal(statuses.filter((s) => s === 429).length, 60 - LIMIT, statuses.join(' '));
      for (const app of apps)
        assert.equal(
          (
            await request(app)
              .get('/api/subscribers')
              .set(asClient('192.0.2.50', `Bearer ${ADMIN_TOKEN}`))
          ).status,
          429,
        );
    });
  });
