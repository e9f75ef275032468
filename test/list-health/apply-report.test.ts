import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createCore, type Core } from '../../src/core/create-core.ts';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createReportSink } from '../../src/list-health/apply-report.service.ts';
import { forgetReportsOfSubscriber } from '../../src/list-health/delivery-report.repository.ts';
import type { DeliveryReport } from '../../src/list-health/delivery-report.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

const NOW = new Date('2025-09-05T07:00:00Z');
const DAY = 86_400_000;
let reportCounter = 0;

interface Setup {
  core: Core;
  clock: ManualClock;
  readers: { id: string; email: string }[];
  /** Three daily editions, one per article, each to every reader. */
  editions: string[];
}

async function setup(t: TestContext, kind: StoreKind, readerCount = 4): Promise<Setup> {
  const { config, seedsDir } = makeTestConfig(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
  const clock = new ManualClock(NOW);
  const core = await createCore(config, { clock });
  t.after(() => core.close());
  const { db } = core.store;
  const readers = [];
  for (let i = 0; i < readerCount; i++) readers.push(await insertSubscriber(db, { frequency: 'daily', email: `reader-${i}@example.org` }));
  // One article a day, each mailed in its own daily edition.
  const editions: string[] = [];
  for (const day of [5, 6, 7]) {
    writeArticle(seedsDir, { slug: `story-${day}`, date: `${day} September 2025` });
    clock.set(new Date(Date.UTC(2025, 8, day, 8)));
    await core.ingest.run();
    const created = await createDueEdition(db, 'daily', new Date(clock.now().getTime() - DAY), clock.now(), clock.now());
    editions.push(created!.edition.id);
  }
  return { core, clock, readers, editions };
}

function report(
  kind: DeliveryReport['kind'],
  target: { deliveryId?: string; recipient?: string },
  extra: Partial<DeliveryReport> = {},
): DeliveryReport {
  return {
    kind,
    deliveryId: target.deliveryId ?? null,
    recipient: target.recipient ?? null,
    status: kind === 'hard-bounce' ? '5.1.1' : kind === 'soft-bounce' ? '4.2.2' : null,
    diagnostic: kind === 'hard-bounce' ? '550 5.1.1 user unknown' : null,
    source: 'imap',
    reportId: `<report-${++reportCounter}@mx.test>:x`,
    ...extra,
  };
}

async function subscriberOf(core: Core, id: string): Promise<{ status: string; events: [string, string | null, string | null][] }> {
  const { db } = core.store;
  const row = await db.selectFrom('subscribers').select('status').where('id', '=', id).executeTakeFirstOrThrow();
  const events = await db
    .selectFrom('subscriber_events')
    .select(['kind', 'actor', 'edition_id'])
    .where('subscriber_id', '=', id)
    .orderBy('created_at')
    .orderBy('kind')
    .execute();
  return { status: row.status, events: events.map((e) => [e.kind, e.actor, e.edition_id]) };
}

for (const kind of storeKinds)
  describe(`applying delivery reports on ${kind}`, () => {
    it('a hard bounce bounces the subscriber of the delivery at once, once however often it is reported', async (t) => {
      const { core, readers, editions } = await setup(t, kind);
      const [reader] = readers as [{ id: string; email: string }];
      const bounce = report('hard-bounce', { deliveryId: `${editions[0]}:${reader.id}` });
      assert.equal(await core.reports.apply(bounce), 'applied');
      assert.equal(await core.reports.apply(bounce), 'duplicate');
      assert.deepEqual(await subscriberOf(core, reader.id), { status: 'bounced', events: [['bounced', 'imap', editions[0]]] });
      const rows = await core.store.db.selectFrom('delivery_reports').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.deepEqual(
        [rows[0]!.subscriber_id, rows[0]!.edition_id, rows[0]!.kind, rows[0]!.status],
        [reader.id, editions[0], 'hard-bounce', '5.1.1'],
      );
    });

    it('soft bounces bounce the subscriber only after 3 over 3 distinct editions; a delivered report resets the count', async (t) => {
      const { core, clock, readers, editions } = await setup(t, kind);
      const [full, resetOne] = readers as [{ id: string; email: string }, { id: string; email: string }];
      const soft = async (readerId: string, edition: number): Promise<void> => {
        clock.advance(60_000);
        assert.equal(await core.reports.apply(report('soft-bounce', { deliveryId: `${editions[edition]}:${readerId}` })), 'applied');
      };
      await soft(full.id, 0);
      await soft(full.id, 0);
      await soft(full.id, 1);
      assert.equal((await subscriberOf(core, full.id)).status, 'confirmed', 'three soft bounces over two editions');
      await soft(full.id, 2);
      const after = await subscriberOf(core, full.id);
      assert.equal(after.status, 'bounced');
      assert.deepEqual(
        after.events.filter((e) => e[0] === 'bounced'),
        [['bounced', 'imap', editions[2]]],
      );
      assert.equal(after.events.filter((e) => e[0] === 'soft-bounced').length, 4);

      await soft(resetOne.id, 0);
      await soft(resetOne.id, 1);
      clock.advance(60_000);
      assert.equal(await core.reports.apply(report('delivered', { recipient: resetOne.email })), 'applied');
      await soft(resetOne.id, 2);
      assert.equal((await subscriberOf(core, resetOne.id)).status, 'confirmed', 'the delivered report reset the count');
    });

    it('a complaint unsubscribes at once, records its source, and tells the suppression hook', async (t) => {
      const { core, readers, editions } = await setup(t, kind);
      const [byAddress, byDelivery] = readers as [{ id: string; email: string }, { id: string; email: string }];
      const told: string[] = [];
      const sink = createReportSink({
        db: core.store.db,
        config: core.config,
        clock: core.clock,
        log: core.log,
        onComplaint: async (id) => void told.push(id),
      });
      assert.equal(
        await sink.apply(
          report(
            'complaint',
            { recipient: byAddress.email.toUpperCase().replace('EXAMPLE.ORG', 'example.org').toLowerCase() },
            { source: 'ses' },
          ),
        ),
        'applied',
      );
      assert.equal(await sink.apply(report('complaint', { deliveryId: `${editions[1]}:${byDelivery.id}` })), 'applied');
      assert.deepEqual(await subscriberOf(core, byAddress.id), { status: 'unsubscribed', events: [['complained', 'ses', null]] });
      assert.deepEqual(await subscriberOf(core, byDelivery.id), { status: 'unsubscribed', events: [['complained', 'imap', editions[1]]] });
      assert.deepEqual(told, [byAddress.id, byDelivery.id]);
    });

    it('complaints past 0.3 % of an edition (and at least 3) stop it like the bounce breaker; the edition report counts them', async (t) => {
      const { core, readers, editions } = await setup(t, kind, 5);
      const pauseOf = () =>
        core.store.db.selectFrom('edition_pauses').selectAll().where('edition_id', '=', editions[0]!).executeTakeFirst();
      for (const reader of readers.slice(0, 2))
        await core.reports.apply(report('complaint', { deliveryId: `${editions[0]}:${reader.id}` }));
      assert.equal(await pauseOf(), undefined, 'two complaints are under the minimum');
      await core.reports.apply(report('complaint', { deliveryId: `${editions[0]}:${readers[2]!.id}` }));
      assert.match((await pauseOf())?.reason ?? '', /3 of 5 recipients complained/);
      await core.reports.apply(report('hard-bounce', { deliveryId: `${editions[0]}:${readers[3]!.id}` }));
      await core.reports.apply(report('soft-bounce', { deliveryId: `${editions[0]}:${readers[4]!.id}` }));
      assert.deepEqual((await core.editions.report(editions[0]!)).health, {
        hardBounces: 1,
        softBounces: 1,
        complaints: 3,
        hardBounceRate: 0.2,
        softBounceRate: 0.2,
        complaintRate: 0.6,
      });
    });

    it('a report about no delivery or address we know is ignored but remembered', async (t) => {
      const { core, readers } = await setup(t, kind);
      const stranger = report('hard-bounce', { deliveryId: 'no-such-edition:no-such-reader', recipient: 'stranger@example.net' });
      assert.equal(await core.reports.apply(stranger), 'ignored');
      assert.equal(await core.reports.apply(stranger), 'duplicate');
      // A delivery id that names nothing falls back to the recipient address.
      const known = report('hard-bounce', { deliveryId: 'gone:gone', recipient: readers[0]!.email });
      assert.equal(await core.reports.apply(known), 'applied');
      assert.equal((await subscriberOf(core, readers[0]!.id)).status, 'bounced');
      const seen = await core.store.db
        .selectFrom('delivery_reports')
        .select(['report_id', 'subscriber_id'])
        .orderBy('received_at')
        .execute();
      assert.deepEqual(seen.map((r) => r.subscriber_id).sort(), [null, readers[0]!.id].sort());
    });

    it('forgetting a subscriber keeps their reports as seen but drops who and what they said', async (t) => {
      const { core, readers, editions } = await setup(t, kind);
      const bounce = report('hard-bounce', { deliveryId: `${editions[0]}:${readers[0]!.id}` });
      await core.reports.apply(bounce);
      await forgetReportsOfSubscriber(core.store.db, readers[0]!.id);
      const rows = await core.store.db.selectFrom('delivery_reports').selectAll().execute();
      assert.deepEqual(
        rows.map((r) => [r.report_id, r.subscriber_id, r.delivery_id, r.diagnostic, r.kind]),
        [[bounce.reportId, null, null, null, 'hard-bounce']],
      );
      assert.equal(await core.reports.apply(bounce), 'duplicate');
    });
  });
