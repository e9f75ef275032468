import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette, type Gazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';
import { writeArticle } from '../support/build-article.ts';
import { waitUntil } from '../support/wait.ts';

const NOW = new Date('2025-09-08T07:00:00Z');

async function setup(
  t: TestContext,
  kind: StoreKind,
  readers: number,
  mail: Record<string, unknown> = {},
): Promise<{ gazette: Gazette; sink: SmtpSink; emails: string[]; editionId: string }> {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, {
    database: { url: await makeTestDatabaseUrl(t, kind) },
    mail: { smtpUrl: sink.url, retryBaseSeconds: 0, maxAttempts: 3, ...(mail as Record<string, null>) },
  });
  writeArticle(seedsDir, { slug: 'the-only-story', date: '7 September 2025' });
  const gazette = await createGazette(config, { clock: new ManualClock(NOW) });
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  const emails: string[] = [];
  for (let i = 0; i < readers; i++)
    emails.push((await insertSubscriber(gazette.core.store.db, { frequency: 'daily', email: `reader-${i}@example.org` })).email);
  const created = await createDueEdition(gazette.core.store.db, 'daily', new Date('2025-09-01T00:00:00Z'), NOW, NOW);
  return { gazette, sink, emails, editionId: created!.edition.id };
}

async function statusOf(
  gazette: Gazette,
  email: string,
): Promise<{ delivery: string; subscriber: string; attempts: number; reply: string | null }> {
  const row = await gazette.core.store.db
    .selectFrom('deliveries as d')
    .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
    .select(['d.status as delivery', 's.status as subscriber', 'd.attempts', 'd.last_reply'])
    .where('s.email', '=', email)
    .executeTakeFirstOrThrow();
  return { delivery: row.delivery, subscriber: row.subscriber, attempts: row.attempts, reply: row.last_reply };
}

for (const kind of storeKinds)
  describe(`delivery failures on ${kind}`, () => {
    it('451 is retried and then delivered; 550 bounces the delivery and the subscriber', async (t) => {
      const { gazette, sink, emails } = await setup(t, kind, 3);
      const [greylisted, gone, fine] = emails as [string, string, string];
      sink.rejectRecipient(greylisted, 451, 'Greylisted, try again', 1);
      sink.rejectRecipient(gone, 550, 'No such user');

      const first = await gazette.core.mail.deliverPending({ limit: 10 });
      assert.deepEqual({ sent: first.sent, failed: first.failed, bounced: first.bounced }, { sent: 1, failed: 1, bounced: 1 });
      assert.deepEqual(await statusOf(gazette, greylisted), {
        delivery: 'failed',
        subscriber: 'confirmed',
        attempts: 1,
        reply: '451 Greylisted, try again',
      });
      assert.deepEqual(await statusOf(gazette, gone), {
        delivery: 'bounced',
        subscriber: 'bounced',
        attempts: 1,
        reply: '550 No such user',
      });

      const second = await gazette.core.mail.deliverPending({ limit: 10 });
      assert.equal(second.sent, 1);
      assert.equal((await statusOf(gazette, greylisted)).delivery, 'sent');
      assert.deepEqual(sink.messages.map((m) => m.envelopeTo[0]).sort(), [fine, greylisted].sort());
      assert.equal((await gazette.core.mail.deliverPending({ limit: 10 })).claimed, 0, 'nothing left: the bounce is never retried');
    });

    it('an uncertain failure after DATA is retried with the same Message-ID', async (t) => {
      const { gazette, sink, emails } = await setup(t, kind, 1);
      sink.rejectAfterData(emails[0]!, 451, 1);
      assert.equal((await gazette.core.mail.deliverPending({ limit: 10 })).failed, 1);
      assert.equal((await gazette.core.mail.deliverPending({ limit: 10 })).sent, 1);
      assert.equal(sink.rejectedAfterData.length, 1);
      assert.equal(sink.messages.length, 1);
      assert.equal(sink.messages[0]!.parsed.messageId, sink.rejectedAfterData[0]!.parsed.messageId);
    });

    it('temporary failures stop after maxAttempts; resend-to-failed re-queues only those, never the sent or bounced', async (t) => {
      const { gazette, sink, emails, editionId } = await setup(t, kind, 4);
      const [stuck, gone] = emails as [string, string];
      sink.rejectRecipient(stuck, 452, 'Mailbox full', 3);
      sink.rejectRecipient(gone, 550, 'No such user');
      for (let i = 0; i < 5; i++) await gazette.core.mail.deliverPending({ limit: 10 });
      const report = await gazette.core.editions.report(editionId);
      assert.deepEqual(
        { sent: report.counts.sent, failed: report.counts.failed, bounced: report.counts.bounced },
        { sent: 2, failed: 1, bounced: 1 },
      );
      assert.equal(report.total, 4);
      assert.deepEqual(
        report.undelivered.map((u) => [u.email, u.status, u.attempts, u.lastReply]),
        [
          [gone, 'bounced', 1, '550 No such user'],
          [stuck, 'failed', 3, '452 Mailbox full'],
        ],
      );
      assert.equal(sink.messages.length, 2);

      assert.deepEqual(await gazette.core.editions.resendFailed(editionId), { requeued: 1 });
      const pass = await gazette.core.mail.deliverPending({ limit: 10 });
      assert.deepEqual({ claimed: pass.claimed, sent: pass.sent }, { claimed: 1, sent: 1 });
      assert.deepEqual(
        sink.messages.map((m) => m.envelopeTo[0]).filter((e) => e === stuck),
        [stuck],
      );
      assert.equal(sink.messages.length, 3, 'the two already sent were not sent again');
      assert.deepEqual(await gazette.core.editions.resendFailed(editionId), { requeued: 0 });
    });

    it('a subscriber who unsubscribes after the edition is created gets nothing', async (t) => {
      const { gazette, sink, emails } = await setup(t, kind, 2);
      await gazette.core.store.db.updateTable('subscribers').set({ status: 'unsubscribed' }).where('email', '=', emails[0]!).execute();
      const pass = await gazette.core.mail.deliverPending({ limit: 10 });
      assert.deepEqual({ sent: pass.sent, skipped: pass.skipped }, { sent: 1, skipped: 1 });
      assert.deepEqual(
        sink.messages.map((m) => m.envelopeTo[0]),
        [emails[1]],
      );
    });

    it('the SMTP server stopped in the middle of a send and started again: everything is delivered', async (t) => {
      // 150 messages at 150/s: the server is stopped well before the end.
      const { gazette, sink, emails } = await setup(t, kind, 150, { rateLimit: { perSecond: 150, perHour: null } });
      gazette.core.mail.worker.start();
      await sink.waitFor(20);
      await sink.stop();
      assert.ok(sink.messages.length < emails.length, 'stopped in the middle');
      // The server comes back once the worker has seen it gone and paused, not after a guessed while.
      await waitUntil(() => gazette.core.mail.worker.pausedForMs > 0, 'the worker to pause on the stopped server');
      await sink.start();
      const received = new Set<string>();
      while (received.size < emails.length) {
        await sink.waitFor(sink.messages.length + 1);
        for (const m of sink.messages) received.add(m.envelopeTo[0]!);
      }
      assert.deepEqual([...received].sort(), [...emails].sort());
      await gazette.core.mail.worker.stop();
      // A message cut off after DATA may arrive twice; then it is the same message (same Message-ID).
      const idsByRecipient = new Map<string, Set<string>>();
      for (const m of sink.messages)
        idsByRecipient.set(m.envelopeTo[0]!, (idsByRecipient.get(m.envelopeTo[0]!) ?? new Set()).add(m.parsed.messageId!));
      for (const ids of idsByRecipient.values()) assert.equal(ids.size, 1);
      const rows = await gazette.core.store.db.selectFrom('deliveries').select(['status']).execute();
      assert.ok(rows.every((r) => r.status === 'sent'));
    });
  });
