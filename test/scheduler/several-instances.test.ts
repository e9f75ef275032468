import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import request from 'supertest';
import { createCronSchedule } from '../../src/shared/cron-schedule.ts';
import { createDueEditions } from '../../src/editions/due-editions.ts';
import { feedPaths } from '../../src/feeds/feed-links.ts';
import { createGazette, type Gazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

// Just after Friday's 07:00 London firing of the daily job.
const AFTER_FIRING = '2026-11-20T07:00:30Z';

/** `count` instances (each with its own data and seeds directory) on one database and one clock. */
async function instances(t: TestContext, kind: StoreKind, count: number, clock: ManualClock): Promise<Gazette[]> {
  // SQLite: one file for all (several processes on one machine); null would mean one per data dir.
  const url = kind === 'sqlite' ? `sqlite:${path.join(makeTempDir(t), 'shared.sqlite')}` : await makeTestDatabaseUrl(t, kind);
  const all: Gazette[] = [];
  for (let i = 0; i < count; i++) {
    const { config } = makeTestConfig(t, { database: { url } });
    const gazette = await createGazette(config, { clock });
    t.after(() => gazette.close());
    all.push(gazette);
  }
  return all;
}

async function feedSnapshot(gazette: Gazette): Promise<{ path: string; etag: string; lastModified: string; body: string }[]> {
  return Promise.all(
    Object.values(feedPaths).map(async (path) => {
      const response = await request(gazette.server.app).get(path).expect(200);
      return { path, etag: response.headers.etag!, lastModified: response.headers['last-modified']!, body: response.text };
    }),
  );
}

for (const kind of storeKinds)
  describe(`several instances on one ${kind} database`, () => {
    it('create an edition once when three run the digest job at once, or call the catch-up at once', async (t) => {
      const clock = new ManualClock(AFTER_FIRING);
      const [a, b, c] = await instances(t, kind, 3, clock);
      writeArticle(a!.core.config.paths.seedsDir, { slug: 'thursday-news', date: '2026-11-19T12:00:00Z' });
      await a!.core.ingest.run();
      for (let i = 0; i < 40; i++) await insertSubscriber(a!.core.store.db, { frequency: 'daily' });

      const outcomes = await Promise.all([a, b, c].map((g) => g!.scheduler.runNow('daily')));
      assert.ok(outcomes.includes('ran'), outcomes.join(', '));
      const schedule = createCronSchedule(a!.core.config.scheduler.daily, a!.core.config.site.timezone);
      // The same, bypassing the job lease (as if every lease had expired at once): still one edition.
      const direct = await Promise.all([a, b, c].map((g) => createDueEditions(g!.core.store.db, 'daily', schedule, clock.now())));
      assert.deepEqual(
        direct.flat().filter((e) => e.created),
        [],
        'the job had already made it',
      );

      const editions = await a!.core.store.db.selectFrom('editions').select(['id', 'period_end']).execute();
      assert.deepEqual(
        editions.map((e) => e.period_end),
        ['2026-11-20T07:00:00.000Z'],
      );
      const deliveries = await a!.core.store.db.selectFrom('deliveries').select('subscriber_id').execute();
      assert.equal(deliveries.length, 40);
      assert.equal(new Set(deliveries.map((d) => d.subscriber_id)).size, 40, 'each subscriber queued once');
    });

    it('serve the same feed bytes, ETags and Last-Modified after one of them ingests, once the feeds job has run on the others', async (t) => {
      const clock = new ManualClock('2026-01-10T12:00:00Z');
      const [writer, reader] = await instances(t, kind, 2, clock);
      writeArticle(writer!.core.config.paths.seedsDir, { slug: 'first-story', date: '5 January 2026' });
      await writer!.core.ingest.run();
      assert.deepEqual(await feedSnapshot(reader!), await feedSnapshot(writer!));

      writeArticle(writer!.core.config.paths.seedsDir, { slug: 'second-story', date: '6 January 2026' });
      await writer!.core.ingest.run();
      const before = await feedSnapshot(reader!);
      assert.ok(!before[0]!.body.includes('second-story'), 'the reader still has its cached render');
      assert.equal(await reader!.scheduler.runNow('feeds'), 'ran');
      const after = await feedSnapshot(reader!);
      assert.ok(after[0]!.body.includes('second-story'));
      assert.deepEqual(after, await feedSnapshot(writer!));
      const status = (await reader!.scheduler.status()).find((j) => j.name === 'feeds');
      assert.equal(status?.lastStatus, 'ok', 'a per-instance job reports its last run from memory');
    });
  });

// Concurrent writers are PostgreSQL's case: a SQLite file has one writer at a time (one instance).
describe('several instances on one postgres database, with no lease at all', () => {
  it('create an edition once when three call the catch-up at the same instant with no lease at all', async (t) => {
    // Ingested before the firing, so the 07:00 edition carries it (what became visible later waits for the next one).
    const clock = new ManualClock('2026-11-20T06:59:00Z');
    const gazettes = await instances(t, 'postgres', 3, clock);
    writeArticle(gazettes[0]!.core.config.paths.seedsDir, { slug: 'thursday-news', date: '2026-11-19T12:00:00Z' });
    await gazettes[0]!.core.ingest.run();
    clock.set(AFTER_FIRING);
    for (let i = 0; i < 40; i++) await insertSubscriber(gazettes[0]!.core.store.db, { frequency: 'daily' });
    const schedule = createCronSchedule('0 7 * * *', 'Europe/London');
    const results = await Promise.all(gazettes.map((g) => createDueEditions(g.core.store.db, 'daily', schedule, clock.now())));
    assert.equal(results.flat().filter((e) => e.created).length, 1, 'one instance created it');
    assert.equal((await gazettes[0]!.core.store.db.selectFrom('editions').select('id').execute()).length, 1);
    assert.equal((await gazettes[0]!.core.store.db.selectFrom('deliveries').select('id').execute()).length, 40);
  });
});
