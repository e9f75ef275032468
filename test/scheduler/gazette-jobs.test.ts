import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { createGazette } from '../../src/main.ts';
import { everySecondsCron, gazetteJobs, type GazetteJobsDeps } from '../../src/scheduler/gazette-jobs.ts';
import { cronExpressionProblem } from '../../src/shared/cron-schedule.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { makeTestConfig } from '../support/test-config.ts';

/** A site started (mailing begun) at noon on the 20th, with one daily reader. */
async function setup(t: TestContext) {
  const { config, seedsDir } = makeTestConfig(t, { scheduler: { daily: '0 7 * * *' } });
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  assert.equal(await gazette.scheduler.runNow('scan', { atStart: true }), 'ran');
  clock.advance(60_000);
  await insertSubscriber(gazette.core.store.db, { frequency: 'daily' });
  return { gazette, seedsDir, clock };
}

/** A seed file written 30 s ago in real time: old enough for any scan to read it. */
function writeSettledArticle(seedsDir: string, spec: { slug: string; date: string }): void {
  const file = writeArticle(seedsDir, spec);
  const past = new Date(Date.now() - 30_000);
  utimesSync(file, past, past);
}

test('a daily edition whose own job never ran is made by the minutely job, once, after the daily job had its minute', async (t) => {
  const { gazette, seedsDir, clock } = await setup(t);
  writeArticle(seedsDir, { slug: 'missed-by-the-daily-job', date: '2026-11-20T09:00:00Z' });
  await gazette.core.ingest.run();

  // 07:00 passed while the instance that held the daily job was dead: its tick is gone.
  clock.set('2026-11-21T07:00:30Z');
  assert.equal(await gazette.scheduler.runNow('embargo'), 'ran');
  const dailyEditions = () =>
    gazette.core.store.db.selectFrom('editions').select(['frequency', 'period_end']).where('frequency', '=', 'daily').execute();
  assert.deepEqual(await dailyEditions(), [], 'the daily job has the first minute');
  clock.set('2026-11-21T07:01:00Z');
  assert.equal(await gazette.scheduler.runNow('embargo'), 'ran');
  assert.deepEqual(await dailyEditions(), [{ frequency: 'daily', period_end: '2026-11-21T07:00:00.000Z' }]);
  const status = (await gazette.scheduler.status()).find((j) => j.name === 'embargo');
  assert.deepEqual(status?.lastSummary, { instantEditions: 0, digestEditions: 1 });

  // The daily job running late, and the next minute, add nothing.
  assert.equal(await gazette.scheduler.runNow('daily'), 'ran');
  clock.advance(60_000);
  assert.equal(await gazette.scheduler.runNow('embargo'), 'ran');
  assert.equal((await dailyEditions()).length, 1);
  assert.equal((await gazette.core.store.db.selectFrom('deliveries').select('id').execute()).length, 1);
});

test('the daily job ingests before it makes its edition: a file dropped just before the firing is in it', async (t) => {
  const { gazette, seedsDir, clock } = await setup(t);
  clock.set('2026-11-21T06:59:30Z');
  writeSettledArticle(seedsDir, { slug: 'dropped-at-six-fifty-nine', date: '2026-11-21' });
  clock.set('2026-11-21T07:00:00Z');
  assert.equal(await gazette.scheduler.runNow('daily'), 'ran');
  const rows = await gazette.core.store.db
    .selectFrom('edition_articles as ea')
    .innerJoin('articles as a', 'a.id', 'ea.article_id')
    .select(['ea.frequency', 'a.slug'])
    .execute();
  assert.deepEqual(rows, [{ frequency: 'daily', slug: 'dropped-at-six-fifty-nine' }]);
});

test('a scan and the daily job firing on the same tick: both run, the file is ingested once and is in that edition', async (t) => {
  const { gazette, seedsDir, clock } = await setup(t);
  writeSettledArticle(seedsDir, { slug: 'same-tick-story', date: '2026-11-21' });
  clock.set('2026-11-21T07:00:00Z');
  // Both started in the same turn of the event loop, in either order, as node-cron does on a shared tick.
  for (const order of [
    ['scan', 'daily'],
    ['daily', 'scan'],
  ] as const) {
    const outcomes = await Promise.all(order.map((job) => gazette.scheduler.runNow(job)));
    assert.deepEqual(outcomes, ['ran', 'ran'], `${order.join(' then ')}: neither job failed`);
  }
  const rows = await gazette.core.store.db
    .selectFrom('edition_articles as ea')
    .innerJoin('articles as a', 'a.id', 'ea.article_id')
    .select(['ea.frequency', 'a.slug'])
    .orderBy('ea.frequency')
    .execute();
  assert.deepEqual(rows, [
    { frequency: 'daily', slug: 'same-tick-story' },
    { frequency: 'instant', slug: 'same-tick-story' },
  ]);
  const daily = (await gazette.scheduler.status()).find((j) => j.name === 'daily');
  assert.equal(daily?.lastStatus, 'ok');
});

test('a morning firing that found nothing stays empty: a restart in the afternoon sends no afternoon digest, the next morning carries the article', async (t) => {
  const { gazette, seedsDir, clock } = await setup(t);
  clock.set('2026-11-21T07:00:00Z');
  assert.equal(await gazette.scheduler.runNow('daily'), 'ran');
  clock.set('2026-11-21T10:00:00Z');
  writeArticle(seedsDir, { slug: 'mid-morning-story', date: '2026-11-21T10:00:00Z' });
  await gazette.core.ingest.run();
  // A restart runs the digest jobs' catch-up at once (src/main.ts start()).
  clock.set('2026-11-21T15:00:00Z');
  assert.equal(await gazette.scheduler.runNow('daily'), 'ran');
  const daily = () => gazette.core.store.db.selectFrom('editions').select('period_end').where('frequency', '=', 'daily').execute();
  assert.deepEqual(await daily(), []);
  clock.set('2026-11-22T07:00:05Z');
  assert.equal(await gazette.scheduler.runNow('daily'), 'ran');
  assert.deepEqual(await daily(), [{ period_end: '2026-11-22T07:00:00.000Z' }]);
});

test('a bounces job drains the mailbox under its lease every pollSeconds, only when a mailbox is set and a poll is wired', async (t) => {
  const polls: string[] = [];
  const deps = (overrides: Parameters<typeof makeTestConfig>[1], poll?: () => Promise<unknown>): GazetteJobsDeps => ({
    config: makeTestConfig(t, overrides).config,
    ingest: () => Promise.reject(new Error('not in this test')),
    refreshPublished: () => Promise.resolve(),
    editions: { createInstant: () => Promise.resolve([]), createDue: () => Promise.resolve([]) },
    purgeUnconfirmed: () => Promise.resolve(0),
    ...(poll ? { pollBounceMailbox: poll } : {}),
  });
  const poll = () => {
    polls.push('poll');
    return Promise.resolve({ handled: 2, failed: 0 });
  };
  const mailbox = { bounces: { imap: { url: 'imap://bounces:secret@127.0.0.1:1143', pollSeconds: 30 } } };

  const bounces = gazetteJobs(deps(mailbox, poll)).find((j) => j.name === 'bounces');
  assert.equal(bounces?.cron, '*/30 * * * * *');
  assert.equal(bounces?.everyInstance, undefined, 'leased: one instance drains at a time');
  const context = { now: new Date(), clock: new ManualClock('2026-11-20T12:00:00Z'), atStart: false, signal: new AbortController().signal };
  assert.deepEqual(await bounces?.run(context), { handled: 2, failed: 0 });
  assert.deepEqual(polls, ['poll']);

  assert.equal(
    gazetteJobs(deps({}, poll)).find((j) => j.name === 'bounces'),
    undefined,
    'no mailbox set',
  );
  assert.equal(
    gazetteJobs(deps(mailbox)).find((j) => j.name === 'bounces'),
    undefined,
    'no poll wired',
  );
});

test('every pollSeconds becomes a valid cron expression near that period', () => {
  assert.equal(everySecondsCron(5), '*/5 * * * * *');
  assert.equal(everySecondsCron(60), '0 */1 * * * *');
  assert.equal(everySecondsCron(300), '0 */5 * * * *');
  assert.equal(everySecondsCron(3600), '0 0 * * * *');
  for (const seconds of [5, 7, 59, 60, 61, 90, 1799, 3599, 3600])
    assert.equal(cronExpressionProblem(everySecondsCron(seconds)), undefined, `${seconds}`);
});
