import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCore } from '../../src/core/create-core.ts';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { changeSubscriber } from '../../src/subscribers/subscriber-admin.service.ts';
import { listSubscriberEvents } from '../../src/subscribers/subscriber-event.repository.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

const DAY = 86_400_000;

for (const kind of storeKinds)
  describe(`an operator reverses what a report did, on ${kind}`, () => {
    it('a restore by edition also returns readers bounced by a later report (no bounced delivery row), and each operator status change is recorded', async (t) => {
      const sink = await startSmtpSink();
      t.after(() => sink.close());
      const { config, seedsDir } = makeTestConfig(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        mail: { smtpUrl: sink.url },
      });
      const clock = new ManualClock('2025-09-05T08:00:00Z');
      const core = await createCore(config, { clock });
      t.after(() => core.close());
      const { db } = core.store;
      const reported = await insertSubscriber(db, { frequency: 'daily', email: 'reported@example.org' });
      const complained = await insertSubscriber(db, { frequency: 'daily', email: 'complained@example.org' });
      const untouched = await insertSubscriber(db, { frequency: 'daily', email: 'untouched@example.org' });
      writeArticle(seedsDir, { slug: 'story', date: '5 September 2025' });
      await core.ingest.run();
      const edition = (await createDueEdition(db, 'daily', new Date(clock.now().getTime() - DAY), clock.now(), clock.now()))!.edition.id;
      await core.mail.deliverPending({ limit: 50 });
      assert.equal(sink.messages.length, 3, 'the relay accepted all three');

      clock.advance(60_000);
      const report = { recipient: null, status: '5.1.1', source: 'imap', diagnostic: '550 5.1.1 user unknown' } as const;
      assert.equal(
        await core.reports.apply({
          ...report,
          kind: 'hard-bounce',
          deliveryId: `${edition}:${reported.id}`,
          reportId: '<dsn-1@mx.test>:a',
        }),
        'applied',
      );
      assert.equal(
        await core.reports.apply({
          ...report,
          kind: 'complaint',
          deliveryId: `${edition}:${complained.id}`,
          reportId: '<arf-1@mx.test>:a',
        }),
        'applied',
      );
      const statusOf = async (id: string) =>
        (await db.selectFrom('subscribers').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
      assert.equal(await statusOf(reported.id), 'bounced');

      clock.advance(60_000);
      const restored = await core.editions.restoreBounced({ editionId: edition, actor: 'cli:test', reason: 'relay misreported' });
      assert.deepEqual(
        restored,
        { restored: 1, requeued: 0, unchanged: 0 },
        'the reported bounce is undone; its delivery was sent, so nothing is queued again',
      );
      assert.equal(await statusOf(reported.id), 'confirmed');
      const events = await listSubscriberEvents(db, reported.id);
      assert.deepEqual(
        events.map((e) => [e.kind, e.actor, e.reason]),
        [
          ['bounced', 'imap', events[0]!.reason],
          ['restored', 'cli:test', 'relay misreported'],
        ],
      );
      assert.match(events[1]!.reply ?? '', /550 5\.1\.1 user unknown/, 'the restore names the reply it undid');

      // A complaint is undone one reader at a time: the status, recorded, and the suppression lifted apart.
      await changeSubscriber(core.subscriberAdmin, complained.id, { status: 'confirmed' }, 'admin-api');
      const last = (await listSubscriberEvents(db, complained.id)).at(-1)!;
      assert.deepEqual([last.kind, last.actor, last.reason], ['status-changed', 'admin-api', 'unsubscribed → confirmed']);
      await changeSubscriber(core.subscriberAdmin, untouched.id, { frequency: 'weekly' });
      assert.deepEqual(await listSubscriberEvents(db, untouched.id), [], 'a change that is not a status change adds no event');
    });
  });
