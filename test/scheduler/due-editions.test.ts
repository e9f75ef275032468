import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createCronSchedule } from '../../src/scheduler/cron-schedule.ts';
import { createDueEditions } from '../../src/scheduler/due-editions.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

async function setup(t: TestContext, kind: StoreKind) {
  const { config, seedsDir } = makeTestConfig(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  await insertSubscriber(gazette.store.db, { frequency: 'daily' });
  return { gazette, seedsDir, clock, db: gazette.store.db };
}

const editionRows = (db: Awaited<ReturnType<typeof setup>>['db']) =>
  db.selectFrom('editions').select(['frequency', 'period_start', 'period_end']).orderBy('period_end').execute();

for (const kind of storeKinds) {
  describe(`createDueEditions on ${kind}`, () => {
    const daily = createCronSchedule('0 7 * * *', 'Europe/London');

    it('creates the edition due at the last firing once, however often it is called', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      writeArticle(seedsDir, { slug: 'monday-news', date: '2026-11-20T09:00:00Z' });
      await gazette.ingest();
      clock.set('2026-11-21T07:30:00Z');
      const first = await createDueEditions(db, 'daily', daily, clock.now());
      assert.equal(first.length, 1);
      assert.deepEqual(first[0]!.articles.map((a) => a.slug), ['monday-news']);
      assert.equal(first[0]!.edition.periodEnd.toISOString(), '2026-11-21T07:00:00.000Z');
      assert.equal((await createDueEditions(db, 'daily', daily, clock.now())).length, 0);
      clock.set('2026-11-21T08:30:00Z');
      assert.equal((await createDueEditions(db, 'daily', daily, clock.now())).length, 0);
      assert.equal((await editionRows(db)).length, 1);
    });

    it('catches up after downtime: each missed edition once, with the articles of its own period', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      writeArticle(seedsDir, { slug: 'day-one', date: '2026-11-20T09:00:00Z' });
      await gazette.ingest();
      clock.set('2026-11-21T07:05:00Z');
      assert.equal((await createDueEditions(db, 'daily', daily, clock.now())).length, 1);
      // Down from 07:10 on the 21st to 12:00 on the 23rd: the 22nd's and 23rd's editions were missed.
      writeArticle(seedsDir, { slug: 'day-two', date: '2026-11-21T10:00:00Z' });
      writeArticle(seedsDir, { slug: 'day-three', date: '2026-11-22T10:00:00Z' });
      clock.set('2026-11-23T12:00:00Z');
      await gazette.ingest();
      const caughtUp = await createDueEditions(db, 'daily', daily, clock.now());
      assert.deepEqual(
        caughtUp.map((e) => [e.edition.periodEnd.toISOString(), e.articles.map((a) => a.slug)]),
        [
          ['2026-11-22T07:00:00.000Z', ['day-two']],
          ['2026-11-23T07:00:00.000Z', ['day-three']],
        ],
      );
      assert.equal((await createDueEditions(db, 'daily', daily, clock.now())).length, 0, 'not twice');
      assert.equal((await editionRows(db)).length, 3);
    });

    it('creates nothing for a period with nothing new', async (t) => {
      const { clock, db } = await setup(t, kind);
      clock.set('2026-11-21T07:30:00Z');
      assert.deepEqual(await createDueEditions(db, 'daily', daily, clock.now()), []);
      assert.equal((await editionRows(db)).length, 0);
    });
  });
}
