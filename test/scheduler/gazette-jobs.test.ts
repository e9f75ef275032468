import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { makeTestConfig } from '../support/test-config.ts';

test('a daily edition whose own job never ran is made by the minutely job, once', async (t) => {
  const { config, seedsDir } = makeTestConfig(t, { scheduler: { daily: '0 7 * * *' } });
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  await insertSubscriber(gazette.store.db, { frequency: 'daily' });
  writeArticle(seedsDir, { slug: 'missed-by-the-daily-job', date: '2026-11-20T09:00:00Z' });
  await gazette.ingest();

  // 07:00 passed while the instance that held the daily job was dead: its tick is gone.
  clock.set('2026-11-21T07:01:00Z');
  assert.equal(await gazette.scheduler.runNow('embargo'), 'ran');
  const editions = await gazette.store.db.selectFrom('editions').select(['frequency', 'period_end']).execute();
  assert.deepEqual(editions, [{ frequency: 'daily', period_end: '2026-11-21T07:00:00.000Z' }]);
  const status = (await gazette.scheduler.status()).find((j) => j.name === 'embargo');
  assert.deepEqual(status?.lastSummary, { instantEditions: 0, digestEditions: 1 });

  // The daily job running late, and the next minute, add nothing.
  assert.equal(await gazette.scheduler.runNow('daily'), 'ran');
  clock.advance(60_000);
  assert.equal(await gazette.scheduler.runNow('embargo'), 'ran');
  assert.equal((await gazette.store.db.selectFrom('editions').select('id').execute()).length, 1);
  assert.equal((await gazette.store.db.selectFrom('deliveries').select('id').execute()).length, 1);
});
