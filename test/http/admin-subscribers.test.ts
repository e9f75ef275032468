import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { SIGNUP_REFUSALS } from '../../src/subscribers/signup-guard.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { ADMIN_TOKEN, snapshotSubscribers, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const noRefusals = Object.fromEntries(SIGNUP_REFUSALS.map((reason) => [reason, 0]));

for (const kind of storeKinds)
  describe(`admin subscribers API on ${kind}`, () => {
    it('without a configured token the admin API is off (404), whatever token is sent', async (t) => {
      const { gazette } = await startSubscriptionsWorld(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        admin: { token: null },
      });
      for (const headers of [{}, auth]) {
        const res = assertDocumented('get', '/api/subscribers', await request(gazette.server.app).get('/api/subscribers').set(headers));
        assert.equal(res.status, 404);
        assert.equal(res.body.error.code, 'AdminApiDisabled');
      }
      assert.equal((await request(gazette.server.app).get('/api/openapi.json')).status, 200, 'the API description stays public');
    });

    it('a wrong or missing token gets 401 with WWW-Authenticate; the right one gets in', async (t) => {
      const { gazette } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      for (const value of [
        undefined,
        'Bearer nope',
        `Bearer ${ADMIN_TOKEN}x`,
        `Basic ${ADMIN_TOKEN}`,
        `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
      ]) {
        const req = request(gazette.server.app).get('/api/subscribers/stats');
        const res = await (value ? req.set('Authorization', value) : req);
        assert.equal(res.status, 401, String(value));
        assert.match(res.headers['www-authenticate'] ?? '', /^Bearer/);
      }
      assert.equal((await request(gazette.server.app).get('/api/subscribers/stats').set(auth)).status, 200);
    });

    it('list, search and paginate; get one; change status and frequency; delete; stats', async (t) => {
      const { gazette, clock } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const app = gazette.server.app;
      const db = gazette.core.store.db;
      for (let i = 0; i < 7; i++)
        await insertSubscriber(db, {
          email: `reader${i}@example.org`,
          frequency: i % 2 ? 'daily' : 'weekly',
          status: i < 5 ? 'confirmed' : 'pending',
        });
      await insertSubscriber(db, { email: 'someone@other.example', name: 'Percy 100%_Sure', status: 'unsubscribed' });

      const page1 = assertDocumented('get', '/api/subscribers', await request(app).get('/api/subscribers?pageSize=3').set(auth));
      assert.equal(page1.body.total, 8);
      assert.equal(page1.body.items.length, 3);
      const page3 = await request(app).get('/api/subscribers?pageSize=3&page=3').set(auth);
      assert.equal(page3.body.items.length, 2);
      const seen = new Set(
        [
          ...page1.body.items,
          ...(await request(app).get('/api/subscribers?pageSize=3&page=2').set(auth)).body.items,
          ...page3.body.items,
        ].map((s: { id: string }) => s.id),
      );
      assert.equal(seen.size, 8, 'pages do not overlap');

      const search = await request(app).get('/api/subscribers?q=OTHER.example').set(auth);
      assert.deepEqual(
        search.body.items.map((s: { email: string }) => s.email),
        ['someone@other.example'],
      );
      assert.equal((await request(app).get('/api/subscribers?q=100%25_').set(auth)).body.total, 1, '% and _ are matched literally');
      assert.equal((await request(app).get('/api/subscribers?q=1%25').set(auth)).body.total, 0);
      const filtered = await request(app).get('/api/subscribers?status=confirmed&frequency=daily').set(auth);
      assert.equal(filtered.body.total, 2);

      const id = filtered.body.items[0].id as string;
      const one = assertDocumented('get', `/api/subscribers/${id}`, await request(app).get(`/api/subscribers/${id}`).set(auth));
      assert.equal(one.body.id, id);
      clock.advance(1000);
      const changed = assertDocumented(
        'patch',
        `/api/subscribers/${id}`,
        await request(app).patch(`/api/subscribers/${id}`).set(auth).send({ status: 'unsubscribed', frequency: 'instant' }),
      );
      assert.equal(changed.body.status, 'unsubscribed');
      assert.equal(changed.body.frequency, 'instant');
      assert.equal(changed.body.unsubscribedAt, clock.now().toISOString());

      const stats = assertDocumented('get', '/api/subscribers/stats', await request(app).get('/api/subscribers/stats').set(auth));
      assert.deepEqual(stats.body, {
        total: 8,
        byStatus: { pending: 2, confirmed: 4, unsubscribed: 2, bounced: 0 },
        byFrequency: { instant: 1, daily: 2, weekly: 5 },
        refusedSignups: { last30Days: noRefusals, total: noRefusals },
      });

      const deleted = assertDocumented('delete', `/api/subscribers/${id}`, await request(app).delete(`/api/subscribers/${id}`).set(auth));
      assert.equal(deleted.status, 204);
      assert.equal((await request(app).get(`/api/subscribers/${id}`).set(auth)).status, 404);
    });

    const CSV = [
      'Email,Name,Frequency,Notes',
      'ok.one@example.com,One,daily,from the fair',
      'not-an-address,Two,weekly,',
      'ok.three@EXAMPLE.com,,,',
      'ok.four@example.com,"<b>Four</b>",weekly,',
      'ok.five@example.com,Five,monthly,',
      'OK.one@example.com,Other,daily,',
      '"ok.six@example.com","Six, with comma",instant,"a ""quoted"" note"',
      'ok.one@Example.COM,Duplicate,daily,',
      '',
    ].join('\n');

    it('CSV import reports bad rows by line, imports the rest as pending, and a second run changes nothing', async (t) => {
      const { gazette } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const app = gazette.server.app;
      const first = assertDocumented(
        'post',
        '/api/subscribers/import',
        await request(app).post('/api/subscribers/import').set(auth).type('text/csv').send(CSV),
      );
      assert.equal(first.status, 200);
      assert.deepEqual(
        first.body.invalid.map((r: { line: number }) => r.line),
        [3, 5, 6, 9],
      );
      assert.match(first.body.invalid[0].reason, /^email: /);
      assert.match(first.body.invalid[1].reason, /^name: .*< or >/);
      assert.match(first.body.invalid[2].reason, /^frequency: "monthly"/);
      assert.match(first.body.invalid[3].reason, /already on line 2/);
      assert.deepEqual([first.body.rows, first.body.imported, first.body.unchanged, first.body.ignoredColumns], [8, 4, 0, ['notes']]);
      const rows = await gazette.core.store.db.selectFrom('subscribers').selectAll().orderBy('email').execute();
      // Local parts are case-sensitive (RFC 5321): OK.one is another address; ok.one@EXAMPLE.com on line 8 is the same as line 2.
      assert.deepEqual(
        rows.map((r) => [r.email, r.name, r.frequency]),
        [
          ['OK.one@example.com', 'Other', 'daily'],
          ['ok.one@example.com', 'One', 'daily'],
          ['ok.six@example.com', 'Six, with comma', 'instant'],
          ['ok.three@example.com', null, 'weekly'],
        ],
      );
      assert.ok(rows.every((r) => r.status === 'pending' && r.consent_source === null));

      const before = await snapshotSubscribers(gazette);
      const second = await request(app).post('/api/subscribers/import').set(auth).type('text/csv').send(CSV);
      assert.deepEqual([second.body.imported, second.body.unchanged], [0, 4]);
      assert.equal(await snapshotSubscribers(gazette), before, 'the same file twice changes nothing');
    });

    it('CSV import with a stated consent source imports rows as confirmed and records the source', async (t) => {
      const { gazette } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const res = await request(gazette.server.app)
        .post('/api/subscribers/import?consentSource=Signup%20sheet%2C%20Leeds%20fair%202025')
        .set(auth)
        .type('text/csv')
        .send('email\nfair@example.com\n');
      assert.equal(res.body.imported, 1);
      const row = await gazette.core.store.db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.status, 'confirmed');
      assert.equal(row.consent_source, 'Signup sheet, Leeds fair 2025');
      assert.equal(row.frequency, gazette.core.config.subscriptions.defaultFrequency);
    });

    it('CSV export streams every subscriber, neutralises formulas, and imports back unchanged', async (t) => {
      const { gazette } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const db = gazette.core.store.db;
      for (let i = 0; i < 1200; i++) await insertSubscriber(db, { email: `bulk${String(i).padStart(4, '0')}@example.net` });
      await insertSubscriber(db, { email: '=cmd@example.net', name: '=HYPERLINK("http://evil.example")' });
      const res = assertDocumented(
        'get',
        '/api/subscribers/export',
        await request(gazette.server.app)
          .get('/api/subscribers/export')
          .set(auth)
          .buffer(true)
          .parse((r, cb) => {
            let text = '';
            r.on('data', (c: Buffer) => (text += c.toString('utf8')));
            r.on('end', () => cb(null, text));
          }),
      );
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'] ?? '', /^text\/csv/);
      assert.equal(res.headers['content-length'], undefined, 'streamed, not buffered');
      const records = parse<Record<string, string>>(res.body as string, { columns: true });
      assert.equal(records.length, 1201);
      const evil = records.find((r) => r.email === "'=cmd@example.net")!;
      assert.equal(evil.name, '\'=HYPERLINK("http://evil.example")');

      const before = await snapshotSubscribers(gazette);
      const again = await request(gazette.server.app)
        .post('/api/subscribers/import')
        .set(auth)
        .type('text/csv')
        .send(res.body as string);
      assert.deepEqual([again.body.imported, again.body.unchanged, again.body.invalid.length], [0, 1201, 0]);
      assert.equal(await snapshotSubscribers(gazette), before);
    });
  });
