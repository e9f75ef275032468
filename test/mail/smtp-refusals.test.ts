import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import request from 'supertest';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette, type Gazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startScriptedSmtp, type ScriptedRules, type ScriptedSmtp } from '../support/scripted-smtp.ts';
import { waitUntil } from '../support/wait.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

/**
 * Real SMTP servers on loopback that refuse at each phase of the transaction. The rule under
 * test: only a permanent failure about the recipient bounces the recipient; a refusal of the
 * session, the sender or a policy pauses sending, keeps every row and bounces nobody, is shown
 * in /healthz with the server's reply, and sending resumes by itself once the server accepts mail.
 */
interface World {
  gazette: Gazette;
  smtp: ScriptedSmtp;
  emails: string[];
  editionId: string;
}

async function setup(
  t: TestContext,
  kind: StoreKind,
  readers: number,
  rules: ScriptedRules,
  mail: Record<string, unknown> = {},
): Promise<World> {
  const smtp = await startScriptedSmtp(rules);
  t.after(() => smtp.close());
  const { config, seedsDir } = makeTestConfig(t, {
    database: { url: await makeTestDatabaseUrl(t, kind) },
    mail: { smtpUrl: smtp.url, retryBaseSeconds: 0, maxAttempts: 3, ...(mail as Record<string, null>) },
  });
  writeArticle(seedsDir, { slug: 'the-only-story', date: new Date().toISOString().slice(0, 10) });
  // The real clock: the worker's pause and the breaker's window are about elapsed time.
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  const emails: string[] = [];
  for (let i = 0; i < readers; i++)
    emails.push((await insertSubscriber(gazette.core.store.db, { frequency: 'daily', email: `reader-${i}@example.org` })).email);
  const created = await createDueEdition(gazette.core.store.db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date());
  return { gazette, smtp, emails, editionId: created!.edition.id };
}

async function tally(
  gazette: Gazette,
): Promise<{ subscribers: Record<string, number>; deliveries: Record<string, number>; attempts: number }> {
  const db = gazette.core.store.db;
  const subscribers: Record<string, number> = {};
  for (const r of await db.selectFrom('subscribers').select('status').execute()) subscribers[r.status] = (subscribers[r.status] ?? 0) + 1;
  const deliveries: Record<string, number> = {};
  let attempts = 0;
  for (const r of await db.selectFrom('deliveries').select(['status', 'attempts']).execute()) {
    deliveries[r.status] = (deliveries[r.status] ?? 0) + 1;
    attempts += r.attempts;
  }
  return { subscribers, deliveries, attempts };
}

const firstReply = async (gazette: Gazette, like: string): Promise<string | undefined> =>
  (await gazette.core.store.db.selectFrom('deliveries').select('last_reply').where('last_reply', 'like', like).executeTakeFirst())
    ?.last_reply ?? undefined;

const healthOf = async (gazette: Gazette) =>
  (await request(gazette.server.app).get('/healthz').expect(200)).body as {
    deliveryQueue: { paused: { reason: string; reply: string } | null; stoppedEditions: { editionId: string; reason: string }[] };
  };

for (const kind of storeKinds)
  describe(`SMTP refusals on ${kind}`, () => {
    it('530 5.7.0 to MAIL FROM: nobody is bounced, every row stays queued, /healthz shows the reply, and sending resumes by itself when the server accepts', async (t) => {
      let relayFixed = false;
      const { gazette, smtp, emails } = await setup(t, kind, 50, {
        mailFrom: () => (relayFixed ? undefined : { code: 530, message: '5.7.0 Authentication required' }),
      });
      gazette.core.mail.worker.start();
      await waitUntil(() => firstReply(gazette, '530%'), 'the first refusal recorded');
      assert.deepEqual((await tally(gazette)).subscribers, { confirmed: 50 }, 'nobody bounced');
      const paused = await waitUntil(async () => (await healthOf(gazette)).deliveryQueue.paused ?? undefined, 'the pause in /healthz');
      assert.equal(paused.reason, 'refused');
      assert.equal(paused.reply, '530 5.7.0 Authentication required');
      // Let the worker probe a few times while the server still refuses.
      await waitUntil(
        async () =>
          (await gazette.core.store.db.selectFrom('deliveries').select('last_reply').where('last_reply', 'like', '530%').execute())
            .length >= 2
            ? true
            : undefined,
        'a second refused probe',
      );
      const during = await tally(gazette);
      assert.deepEqual(during.subscribers, { confirmed: 50 }, 'nobody bounced');
      assert.equal(during.deliveries.bounced, undefined);
      assert.equal(during.attempts, 0, "a refusal of the sender is not the messages' fault: no attempt counted");
      assert.equal(smtp.accepted.length, 0);

      relayFixed = true;
      await smtp.waitForAccepted(50, 90_000);
      assert.deepEqual([...smtp.accepted].sort(), [...emails].sort());
      await waitUntil(async () => ((await healthOf(gazette)).deliveryQueue.paused === null ? true : undefined), 'the pause to clear');
      assert.deepEqual((await tally(gazette)).deliveries, { sent: 50 });
    });

    it('550 5.1.1 at RCPT TO bounces exactly those recipients, with an event; the others are sent and nothing pauses', async (t) => {
      const unknown = new Set(['reader-3@example.org', 'reader-7@example.org', 'reader-11@example.org']);
      const { gazette, smtp } = await setup(t, kind, 20, {
        rcptTo: (to) => (unknown.has(to) ? { code: 550, message: '5.1.1 No such user' } : undefined),
      });
      const pass = await gazette.core.mail.deliverPending({ limit: 50 });
      assert.deepEqual({ sent: pass.sent, bounced: pass.bounced, refusal: pass.refusal }, { sent: 17, bounced: 3, refusal: null });
      assert.equal(smtp.accepted.length, 17);
      const bounced = await gazette.core.store.db
        .selectFrom('subscribers')
        .select('email')
        .where('status', '=', 'bounced')
        .orderBy('email')
        .execute();
      assert.deepEqual(
        bounced.map((b) => b.email),
        [...unknown].sort(),
      );
      const events = await gazette.core.store.db.selectFrom('subscriber_events').select(['kind', 'reply', 'actor']).execute();
      assert.deepEqual(
        events.map((e) => [e.kind, e.reply, e.actor]),
        Array(3).fill(['bounced', '550 5.1.1 No such user', 'smtp']),
      );
      assert.equal((await healthOf(gazette)).deliveryQueue.paused, null);
    });

    it('554 5.7.1 policy refusal after DATA bounces nobody: the worker pauses with the reply, and the rows are kept for a retry', async (t) => {
      let policy = true;
      const { gazette, smtp, emails } = await setup(
        t,
        kind,
        10,
        { data: () => (policy ? { code: 554, message: '5.7.1 Message refused by policy' } : undefined) },
        { maxAttempts: 8 },
      );
      gazette.core.mail.worker.start();
      await waitUntil(() => firstReply(gazette, '554%'), 'the first refusal recorded');
      assert.deepEqual((await tally(gazette)).subscribers, { confirmed: 10 }, 'nobody bounced');
      const paused = await waitUntil(async () => (await healthOf(gazette)).deliveryQueue.paused ?? undefined, 'the pause');
      assert.deepEqual({ reason: paused.reason, reply: paused.reply }, { reason: 'refused', reply: '554 5.7.1 Message refused by policy' });
      const during = await tally(gazette);
      assert.deepEqual(during.subscribers, { confirmed: 10 });
      assert.equal(during.deliveries.bounced, undefined);
      assert.equal(smtp.accepted.length, 0);

      policy = false;
      await smtp.waitForAccepted(10, 90_000);
      assert.deepEqual([...smtp.accepted].sort(), [...emails].sort());
    });

    it('421 and 451 deferrals of the session or the sender count no attempt and bounce nobody; 451 at RCPT TO is a per-recipient retry', async (t) => {
      let mode: 'busy' | 'local-error' | 'ok' = 'busy';
      let greylisted = false;
      const { gazette, smtp } = await setup(t, kind, 6, {
        mailFrom: () => (mode === 'local-error' ? { code: 451, message: '4.3.0 Local error in processing' } : undefined),
        // smtp-server closes the connection after a 421, as RFC 5321 says.
        rcptTo: (to) => {
          if (mode === 'busy') return { code: 421, message: '4.7.0 Too many connections, try later' };
          if (mode !== 'ok' || to !== 'reader-0@example.org' || greylisted) return undefined;
          greylisted = true;
          return { code: 451, message: '4.7.1 Greylisted' };
        },
      });
      const busy = await gazette.core.mail.deliverPending({ limit: 50 });
      assert.equal(busy.refusal?.reply, '421 4.7.0 Too many connections, try later');
      assert.equal(busy.refusal?.permanent, false);
      mode = 'local-error';
      const local = await gazette.core.mail.deliverPending({ limit: 50 });
      assert.equal(local.refusal?.reply, '451 4.3.0 Local error in processing');
      const after = await tally(gazette);
      assert.deepEqual(after.subscribers, { confirmed: 6 });
      // 421 at RCPT TO came back as the connection's closing reply: nodemailer cannot say which
      // recipient, so it is the session's deferral. Neither counted an attempt against the rows.
      assert.deepEqual(after.deliveries, { queued: 6 });

      mode = 'ok';
      const first = await gazette.core.mail.deliverPending({ limit: 50 });
      assert.deepEqual({ sent: first.sent, failed: first.failed }, { sent: 5, failed: 1 });
      const row = await gazette.core.store.db
        .selectFrom('deliveries as d')
        .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
        .select(['d.status', 'd.attempts'])
        .where('s.email', '=', 'reader-0@example.org')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'failed', attempts: 1 });
      assert.equal((await gazette.core.mail.deliverPending({ limit: 50 })).sent, 1);
      assert.equal(smtp.accepted.length, 6);
    });
  });
