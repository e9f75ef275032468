import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Config } from '../../src/config/config.schema.ts';
import { createCronSchedule } from '../../src/shared/cron-schedule.ts';
import { createDueEditions } from '../../src/editions/due-editions.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createGazette, type Gazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

/** A site whose first start (and so the start of mailing) is at `start`, with one daily reader. */
async function setup(t: TestContext, kind: StoreKind, start = '2026-11-20T12:00:00Z') {
  const { config, seedsDir } = makeTestConfig(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
  const clock = new ManualClock(start);
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  assert.equal(await gazette.scheduler.runNow('scan', { atStart: true }), 'ran');
  await insertSubscriber(gazette.core.store.db, { frequency: 'daily' });
  return { gazette, config, seedsDir, clock, db: gazette.core.store.db };
}

/** Writes a seed file and ingests it at `at`, as a scan at that moment would. */
async function dropAt(
  gazette: Gazette,
  clock: ManualClock,
  seedsDir: string,
  at: string,
  spec: { slug: string; date: string },
): Promise<void> {
  clock.set(at);
  writeArticle(seedsDir, spec);
  await gazette.core.ingest.run();
}

type Db = Gazette['core']['store']['db'];
const editionRows = (db: Db) =>
  db.selectFrom('editions').select(['frequency', 'period_start', 'period_end']).orderBy('period_end').execute();
const summary = (editions: Awaited<ReturnType<typeof createDueEditions>>) =>
  editions.map((e) => [e.edition.periodEnd.toISOString(), e.articles.map((a) => a.slug)]);

for (const kind of storeKinds) {
  describe(`createDueEditions on ${kind}`, () => {
    const daily = createCronSchedule('0 7 * * *', 'Europe/London');

    it('creates the edition due at the last firing once, however often it is called', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      await dropAt(gazette, clock, seedsDir, '2026-11-20T12:01:00Z', { slug: 'monday-news', date: '2026-11-20T09:00:00Z' });
      clock.set('2026-11-21T07:30:00Z');
      const first = await createDueEditions(db, 'daily', daily, clock.now());
      assert.deepEqual(summary(first), [['2026-11-21T07:00:00.000Z', ['monday-news']]]);
      assert.equal((await createDueEditions(db, 'daily', daily, clock.now())).length, 0);
      clock.set('2026-11-21T08:30:00Z');
      assert.equal((await createDueEditions(db, 'daily', daily, clock.now())).length, 0);
      assert.equal((await editionRows(db)).length, 1);
    });

    it('catches up after downtime: each missed edition once, with the articles that became visible before its firing', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      await dropAt(gazette, clock, seedsDir, '2026-11-20T12:01:00Z', { slug: 'day-one', date: '2026-11-20T09:00:00Z' });
      clock.set('2026-11-21T07:05:00Z');
      assert.equal((await createDueEditions(db, 'daily', daily, clock.now())).length, 1);
      // The digest job is down from 07:10 on the 21st to 12:00 on the 23rd (a CLI ingest still adds articles).
      await dropAt(gazette, clock, seedsDir, '2026-11-21T10:00:00Z', { slug: 'day-two', date: '2026-11-21T10:00:00Z' });
      await dropAt(gazette, clock, seedsDir, '2026-11-22T10:00:00Z', { slug: 'day-three', date: '2026-11-22T10:00:00Z' });
      clock.set('2026-11-23T12:00:00Z');
      const caughtUp = await createDueEditions(db, 'daily', daily, clock.now());
      assert.deepEqual(summary(caughtUp), [
        ['2026-11-22T07:00:00.000Z', ['day-two']],
        ['2026-11-23T07:00:00.000Z', ['day-three']],
      ]);
      assert.equal((await createDueEditions(db, 'daily', daily, clock.now())).length, 0, 'not twice');
      assert.equal((await editionRows(db)).length, 3);
    });

    it('creates nothing for a period with nothing new', async (t) => {
      const { clock, db } = await setup(t, kind);
      clock.set('2026-11-21T07:30:00Z');
      assert.deepEqual(await createDueEditions(db, 'daily', daily, clock.now()), []);
      assert.equal((await editionRows(db)).length, 0);
    });

    it('an article picked up after the edition covering its date goes in the next edition, once; an edit never mails it again', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      await dropAt(gazette, clock, seedsDir, '2026-11-20T12:01:00Z', { slug: 'yesterdays-news', date: '2026-11-20T11:00:00Z' });
      clock.set('2026-11-21T07:00:00Z');
      assert.deepEqual(summary(await createDueEditions(db, 'daily', daily, clock.now())), [
        ['2026-11-21T07:00:00.000Z', ['yesterdays-news']],
      ]);
      // A date-only seed means midnight: dated today, dropped after the 07:00 edition.
      await dropAt(gazette, clock, seedsDir, '2026-11-21T09:30:00Z', { slug: 'dated-today-dropped-late', date: '2026-11-21' });
      clock.set('2026-11-22T07:00:00Z');
      assert.deepEqual(summary(await createDueEditions(db, 'daily', daily, clock.now())), [
        ['2026-11-22T07:00:00.000Z', ['dated-today-dropped-late']],
      ]);
      await dropAt(gazette, clock, seedsDir, '2026-11-22T09:00:00Z', { slug: 'dated-today-dropped-late', date: '2026-11-21T06:00:00Z' });
      clock.set('2026-11-23T07:00:00Z');
      assert.deepEqual(await createDueEditions(db, 'daily', daily, clock.now()), [], 'the edit is not news');
    });

    it('with no edition yet, a restart after three missed firings catches up back to the start of mailing', async (t) => {
      const { gazette, config, seedsDir, clock } = await setup(t, kind);
      await dropAt(gazette, clock, seedsDir, '2026-11-20T13:00:00Z', { slug: 'before-the-outage', date: '2026-11-20T13:00:00Z' });
      await gazette.close();
      // Down across the 21st's, 22nd's and 23rd's firings; a CLI ingest meanwhile.
      const restarted = await restart(t, config, clock, '2026-11-22T10:00:00Z');
      writeArticle(seedsDir, { slug: 'during-the-outage', date: '2026-11-22T10:00:00Z' });
      await restarted.core.ingest.run();
      clock.set('2026-11-23T09:00:00Z');
      assert.deepEqual(summary(await createDueEditions(restarted.core.store.db, 'daily', daily, clock.now())), [
        ['2026-11-21T07:00:00.000Z', ['before-the-outage']],
        ['2026-11-23T07:00:00.000Z', ['during-the-outage']],
      ]);
    });

    it('archive imports (dated more than 48 h before they became visible) are in no digest; a 47 h back-date is', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind, '2026-11-18T12:00:00Z');
      await dropAt(gazette, clock, seedsDir, '2026-11-18T13:00:00Z', { slug: 'first-article', date: '2026-11-18T13:00:00Z' });
      clock.set('2026-11-19T07:00:00Z');
      assert.equal((await createDueEditions(db, 'daily', daily, clock.now())).length, 1);
      clock.set('2026-11-24T12:00:00Z');
      writeArticle(seedsDir, { slug: 'an-archive-import', date: '2026-11-21T09:00:00Z' });
      writeArticle(seedsDir, { slug: 'a-recent-back-date', date: '2026-11-22T13:00:00Z' });
      await gazette.core.ingest.run();
      clock.set('2026-11-25T07:00:00Z');
      const editions = await createDueEditions(db, 'daily', daily, clock.now());
      assert.deepEqual(summary(editions), [['2026-11-25T07:00:00.000Z', ['a-recent-back-date']]]);
    });

    it('lists an edition newest first', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      clock.set('2026-11-20T18:00:00Z');
      writeArticle(seedsDir, { slug: 'morning', date: '2026-11-20T09:00:00Z' });
      writeArticle(seedsDir, { slug: 'evening', date: '2026-11-20T17:00:00Z' });
      writeArticle(seedsDir, { slug: 'noon', date: '2026-11-20T12:00:00Z' });
      await gazette.core.ingest.run();
      clock.set('2026-11-21T07:00:00Z');
      assert.deepEqual(summary(await createDueEditions(db, 'daily', daily, clock.now())), [
        ['2026-11-21T07:00:00.000Z', ['evening', 'noon', 'morning']],
      ]);
    });
  });
}

async function restart(t: TestContext, config: Config, clock: ManualClock, at: string): Promise<Gazette> {
  clock.set(at);
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  return gazette;
}
