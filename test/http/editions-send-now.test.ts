import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import request from 'supertest';
import { projectRoot } from '../../src/config/load-config.ts';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig, writeTestConfigFile } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';

const TOKEN = 'admin-token-for-tests-0123456789';
const NOW = new Date('2025-09-08T07:00:00Z');
const auth = { Authorization: `Bearer ${TOKEN}` };

test('POST /api/editions: a dry run says what would go to whom; then the edition is made and the running worker sends it; nothing new is a 409', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, { admin: { token: TOKEN }, mail: { smtpUrl: sink.url } });
  writeArticle(seedsDir, { slug: 'sent-on-demand', date: '7 September 2025' });
  const gazette = await createGazette(config, { clock: new ManualClock(NOW) });
  t.after(() => gazette.close());
  await gazette.start();
  const { db } = gazette.core.store;
  const readers = [await insertSubscriber(db, { frequency: 'daily' }), await insertSubscriber(db, { frequency: 'daily' })];
  await insertSubscriber(db, { frequency: 'weekly' });
  const api = (body: unknown) =>
    request(gazette.server.app)
      .post('/api/editions')
      .set(auth)
      .send(body as object);

  await request(gazette.server.app).post('/api/editions').send({ frequency: 'daily' }).expect(401);

  const dry = assertDocumented('post', '/api/editions', await api({ frequency: 'daily', dryRun: true }).expect(200));
  assert.deepEqual(
    { audience: dry.body.audience, articles: dry.body.articles.map((a: { slug: string }) => a.slug) },
    { audience: 2, articles: ['sent-on-demand'] },
  );
  assert.equal(await db.selectFrom('editions').select('id').executeTakeFirst(), undefined, 'a dry run makes nothing');

  const sent = assertDocumented('post', '/api/editions', await api({ frequency: 'daily' }).expect(201));
  assert.equal(sent.body.items.length, 1);
  const edition = sent.body.items[0];
  assert.equal(sent.headers.location, `/api/editions/${edition.id}`);
  assert.deepEqual(
    { frequency: edition.frequency, recipients: edition.total, articles: edition.articles.map((a: { slug: string }) => a.slug) },
    { frequency: 'daily', recipients: 2, articles: ['sent-on-demand'] },
  );

  // The service's own delivery worker sends it: nobody runs a pass here.
  await waitUntil(() => sink.messages.length === 2, 'the two daily subscribers to receive the edition');
  assert.deepEqual(sink.messages.map((m) => m.envelopeTo[0]).sort(), readers.map((r) => r.email).sort());
  const report = await waitUntil(async () => {
    const res = await request(gazette.server.app).get(`/api/editions/${edition.id}`).set(auth).expect(200);
    return res.body.counts.sent === 2 && res.body;
  }, 'both deliveries recorded as sent');
  assert.equal(report.total, 2);

  const again = assertDocumented('post', '/api/editions', await api({ frequency: 'daily' }).expect(409));
  assert.equal(again.body.error.code, 'NothingToSend');
});

test('POST /api/editions refuses bad input with a 400 naming the field, and a body that is not JSON with a 415', async (t) => {
  const { config } = makeTestConfig(t, { admin: { token: TOKEN } });
  const gazette = await createGazette(config, { clock: new ManualClock(NOW) });
  t.after(() => gazette.close());
  const app = gazette.server.app;
  const cases: [unknown, string, RegExp][] = [
    [{}, 'ValidationFailed', /frequency/],
    [{ frequency: 'hourly' }, 'ValidationFailed', /frequency must be "instant", "daily" or "weekly"/],
    [{ frequency: 'daily', dryRun: 'yes' }, 'ValidationFailed', /dryRun must be true or false/],
    [{ frequency: 'instant', dryRun: true }, 'ValidationFailed', /dryRun works with the daily or weekly frequency/],
    [{ frequency: 'daily', when: 'now' }, 'UnknownField', /"when".*accepts frequency, dryRun/],
  ];
  for (const [body, code, message] of cases) {
    const res = assertDocumented(
      'post',
      '/api/editions',
      await request(app)
        .post('/api/editions')
        .set(auth)
        .send(body as object)
        .expect(400),
    );
    assert.equal(res.body.error.code, code, JSON.stringify(body));
    assert.match(res.body.error.message, message);
  }
  await request(app).post('/api/editions').set(auth).type('form').send('frequency=daily').expect(415);
  assert.equal(await gazette.core.store.db.selectFrom('editions').select('id').executeTakeFirst(), undefined);
});

test('the CLI and the admin API send through one operation: after `gazette digest send` the API finds nothing new, and the other way round', async (t) => {
  const run = promisify(execFile);
  const { config, configFile } = writeTestConfigFile(t, { admin: { token: TOKEN } });
  const { seedsDir } = config.paths;
  writeArticle(seedsDir, { slug: 'first-on-demand', date: new Date().toISOString().slice(0, 10) });
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  await insertSubscriber(gazette.core.store.db, { frequency: 'weekly' });
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: projectRoot,
      env: { ...process.env, GAZETTE_CONFIG: configFile },
    });

  const { stdout } = await cli('digest', 'send', '--frequency', 'weekly');
  assert.match(stdout, /weekly .* 1 articles\s+1 recipients: 1 sent/);
  const res = await request(gazette.server.app).post('/api/editions').set(auth).send({ frequency: 'weekly' }).expect(409);
  assert.equal(res.body.error.code, 'NothingToSend');

  writeArticle(seedsDir, { slug: 'second-on-demand', date: new Date().toISOString().slice(0, 10) });
  await gazette.core.ingest.run();
  await request(gazette.server.app).post('/api/editions').set(auth).send({ frequency: 'weekly' }).expect(201);
  const again = await cli('digest', 'send', '--frequency', 'weekly');
  assert.match(again.stdout, /Nothing new for weekly subscribers/);
});
