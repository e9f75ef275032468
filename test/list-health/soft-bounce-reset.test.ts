import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createCore, type Core } from '../../src/core/create-core.ts';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

const DAY = 86_400_000;
let reportCounter = 0;

interface World {
  core: Core;
  sink: SmtpSink;
  readers: Record<string, string>;
  editions: string[];
  /** Writes the day's article, makes its daily edition and sends it through the SMTP sink (which accepts it). */
  sendDay(day: number): Promise<void>;
  softBounce(reader: string, edition: number): Promise<void>;
  statusOf(reader: string): Promise<string>;
}

async function startWorld(t: TestContext, kind: StoreKind, names: string[]): Promise<World> {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, { database: { url: await makeTestDatabaseUrl(t, kind) }, mail: { smtpUrl: sink.url } });
  const clock = new ManualClock('2025-09-04T09:00:00Z');
  const core = await createCore(config, { clock });
  t.after(() => core.close());
  const { db } = core.store;
  const readers: Record<string, string> = {};
  for (const name of names) readers[name] = (await insertSubscriber(db, { frequency: 'daily', email: `${name}@example.org` })).id;
  const editions: string[] = [];
  return {
    core,
    sink,
    readers,
    editions,
    async sendDay(day) {
      writeArticle(seedsDir, { slug: `story-${day}`, date: `${day} September 2025` });
      clock.set(new Date(Date.UTC(2025, 8, day, 8)));
      await core.ingest.run();
      const created = await createDueEdition(db, 'daily', new Date(clock.now().getTime() - DAY), clock.now(), clock.now());
      editions.push(created!.edition.id);
      await core.mail.deliverPending({ limit: 50 });
      clock.advance(3600_000);
    },
    async softBounce(reader, edition) {
      clock.advance(60_000);
      const outcome = await core.reports.apply({
        kind: 'soft-bounce',
        deliveryId: `${editions[edition]}:${readers[reader]}`,
        recipient: null,
        status: '4.2.2',
        diagnostic: '452 4.2.2 mailbox full',
        source: 'imap',
        reportId: `<soft-${++reportCounter}@mx.test>:x`,
      });
      assert.equal(outcome, 'applied');
    },
    async statusOf(reader) {
      return (await db.selectFrom('subscribers').select('status').where('id', '=', readers[reader]!).executeTakeFirstOrThrow()).status;
    },
  };
}

for (const kind of storeKinds)
  describe(`soft-bounce count resets on ${kind}`, () => {
    it('a later delivery accepted by SMTP resets the count, unless that delivery soft-bounces too (a relay accepts everything); nothing is written for a reader without soft bounces', async (t) => {
      const world = await startWorld(t, kind, ['revived', 'dead-behind-relay', 'clean']);
      await world.sendDay(5);
      await world.softBounce('revived', 0);
      await world.softBounce('dead-behind-relay', 0);
      await world.sendDay(6); // accepted for both, and each had a soft bounce to reset
      await world.softBounce('dead-behind-relay', 1); // ...but for this one the acceptance was no sign of life
      await world.sendDay(7);
      await world.softBounce('revived', 2);
      await world.softBounce('dead-behind-relay', 2);
      assert.equal(await world.statusOf('dead-behind-relay'), 'bounced', 'each acceptance was followed by its own soft bounce');
      await world.sendDay(8);
      await world.softBounce('revived', 3);
      assert.equal(world.sink.messages.length, 11, 'every message accepted by the relay (none to the bounced reader on day 8)');
      // Without the reset "revived" would be bounced too: three soft bounces over three editions.
      assert.equal(await world.statusOf('revived'), 'confirmed', 'edition 2 was accepted and never bounced: the count restarted');
      const { db } = world.core.store;
      const resets = await db
        .selectFrom('delivery_reports')
        .select(['subscriber_id', 'edition_id', 'source'])
        .where('kind', '=', 'accepted')
        .orderBy('received_at')
        .execute();
      const sorted = (rows: unknown[][]) => rows.map((r) => r.join(' ')).sort();
      assert.deepEqual(
        sorted(resets.map((r) => [r.subscriber_id, r.edition_id, r.source])),
        sorted([
          [world.readers.revived, world.editions[1], 'smtp'],
          [world.readers.revived, world.editions[3], 'smtp'],
          [world.readers['dead-behind-relay'], world.editions[1], 'smtp'],
          [world.readers['dead-behind-relay'], world.editions[2], 'smtp'],
        ]),
        'a reset is written only when there are soft bounces to reset',
      );
      const clean = await db.selectFrom('delivery_reports').select('report_id').where('subscriber_id', '=', world.readers.clean!).execute();
      assert.deepEqual(clean, []);
    });

    it("an operator's restore resets the count: one more soft bounce does not bounce the reader again at once", async (t) => {
      const world = await startWorld(t, kind, ['restored', 'control']);
      for (const [day, edition] of [
        [5, 0],
        [6, 1],
      ] as const) {
        await world.sendDay(day);
        await world.softBounce('restored', edition);
        await world.softBounce('control', edition);
      }
      // The relay refuses one reader once with a 5.1.1 (its own fault, say): bounced during the send.
      world.sink.rejectRecipient('restored@example.org', 550, '5.1.1 user unknown', 1);
      await world.sendDay(7);
      assert.equal(await world.statusOf('restored'), 'bounced');
      const restore = await world.core.editions.restoreBounced({
        editionId: world.editions[2],
        actor: 'cli:test',
        reason: 'the relay refused a good address',
      });
      assert.equal(restore.restored, 1);
      await world.softBounce('restored', 2);
      await world.softBounce('control', 2);
      assert.equal(await world.statusOf('restored'), 'confirmed', 'the soft bounces before the restore no longer count');
      assert.equal(await world.statusOf('control'), 'bounced', 'the same three soft bounces without a restore bounce the reader');
      const reset = await world.core.store.db
        .selectFrom('delivery_reports')
        .select(['kind', 'source'])
        .where('subscriber_id', '=', world.readers.restored!)
        .where('kind', '=', 'reset')
        .execute();
      assert.deepEqual(reset, [{ kind: 'reset', source: 'cli:test' }]);
    });
  });
