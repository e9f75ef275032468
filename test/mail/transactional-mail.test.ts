import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { readConfirmationToken, readManageToken } from '../../src/subscribers/subscriber-links.ts';
import { deliverWelcomeMail, headerLines, insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

for (const kind of storeKinds)
  describe(`transactional mail on ${kind}`, () => {
    it('a queued confirmation mail is sent once, with a signed link and no List-Unsubscribe', async (t) => {
      const sink = await startSmtpSink();
      t.after(() => sink.close());
      const { config } = makeTestConfig(t, { database: { url: await makeTestDatabaseUrl(t, kind) }, mail: { smtpUrl: sink.url } });
      const gazette = await createGazette(config, { clock: new ManualClock('2025-09-04T10:00:00Z') });
      t.after(() => gazette.close());
      const { id, email } = await insertSubscriber(gazette.core.store.db, { status: 'pending', name: 'Ada <Lovelace>' });

      await gazette.core.store.db.transaction().execute(async (tx) => {
        await gazette.core.mail.enqueueTransactional(tx, {
          kind: 'confirmation',
          recipientId: id,
          key: `confirm-${id}`,
          params: { confirmationId: 'c-123' },
        });
        // The same key again: still one message.
        await gazette.core.mail.enqueueTransactional(tx, {
          kind: 'confirmation',
          recipientId: id,
          key: `confirm-${id}`,
          params: { confirmationId: 'c-123' },
        });
      });
      const report = await gazette.core.mail.deliverPending({ limit: 10 });
      assert.equal(report.sent, 1);
      assert.equal((await gazette.core.mail.deliverPending({ limit: 10 })).claimed, 0);

      const [mail] = await sink.waitFor(1);
      assert.deepEqual(mail!.envelopeTo, [email]);
      const parsed = mail!.parsed;
      assert.equal(parsed.subject, `Confirm your subscription to ${config.site.title}`);
      assert.deepEqual(headerLines(parsed, 'List-Unsubscribe'), []);
      const link = /https:\/\/news\.example\.com\/confirm\/[A-Za-z0-9._-]+/.exec(parsed.text ?? '')?.[0];
      assert.ok(link, 'the text part carries the confirmation link');
      assert.equal(readConfirmationToken(gazette.core.signer, link.split('/').pop()!), 'c-123');
      assert.ok(parsed.html && parsed.html.includes(link), 'the HTML part carries the same link');
      assert.match(parsed.text ?? '', /Hello Ada <Lovelace>,/);
      assert.ok(parsed.html.includes('Hello Ada &lt;Lovelace&gt;,'), 'the name is escaped in HTML');
    });

    it('a welcome mail carries exactly one List-Unsubscribe with the one-click URL, and List-Unsubscribe-Post', async (t) => {
      const sink = await startSmtpSink();
      t.after(() => sink.close());
      const { config } = makeTestConfig(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        mail: { smtpUrl: sink.url, unsubscribeMailto: 'unsubscribe@news.example.com', feedbackId: 'gazette' },
      });
      const gazette = await createGazette(config, { clock: new ManualClock('2025-09-04T10:00:00Z') });
      t.after(() => gazette.close());
      const { id, sent, mail } = await deliverWelcomeMail(gazette, sink);
      assert.equal(sent, 1);
      const parsed = mail.parsed;
      const unsubscribe = headerLines(parsed, 'List-Unsubscribe');
      assert.equal(unsubscribe.length, 1);
      const [https, mailto] = unsubscribe[0]!.split(',').map((s) => s.trim());
      assert.match(https!, /^<https:\/\/news\.example\.com\/unsubscribe\/[^>]+>$/);
      assert.equal(readManageToken(gazette.core.signer, https!.slice(1, -1).split('/').pop()!), id);
      assert.match(mailto!, /^<mailto:unsubscribe@news\.example\.com\?subject=unsubscribe%20/);
      assert.deepEqual(headerLines(parsed, 'List-Unsubscribe-Post'), ['List-Unsubscribe=One-Click']);
      assert.equal(headerLines(parsed, 'List-Id').length, 1);
      assert.deepEqual(headerLines(parsed, 'Feedback-ID'), ['welcome:gazette']);
      assert.match(parsed.text ?? '', /a daily digest/);
      assert.ok((parsed.html as string).includes(config.site.postalAddress));
    });

    it('a confirmation to someone who is no longer pending is skipped, not sent', async (t) => {
      const sink = await startSmtpSink();
      t.after(() => sink.close());
      const { config } = makeTestConfig(t, { database: { url: await makeTestDatabaseUrl(t, kind) }, mail: { smtpUrl: sink.url } });
      const gazette = await createGazette(config);
      t.after(() => gazette.close());
      const { id } = await insertSubscriber(gazette.core.store.db, { status: 'unsubscribed' });
      await gazette.core.mail.enqueueTransactional(gazette.core.store.db, {
        kind: 'confirmation',
        recipientId: id,
        key: 'k1',
        params: { confirmationId: 'x' },
      });
      const report = await gazette.core.mail.deliverPending({ limit: 10 });
      assert.equal(report.skipped, 1);
      assert.equal(sink.messages.length, 0);
      const row = await gazette.core.store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.status, 'skipped');
    });
  });

test('without SMTP the same message is written as an .eml file that mailparser reads', async (t) => {
  const { config, dataDir } = makeTestConfig(t);
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  assert.equal(gazette.core.mail.transport.kind, 'files');
  assert.match(gazette.core.mail.transport.description, /outbox/);
  const { id, email } = await insertSubscriber(gazette.core.store.db, { status: 'pending' });
  await gazette.core.mail.enqueueTransactional(gazette.core.store.db, {
    kind: 'confirmation',
    recipientId: id,
    key: 'eml',
    params: { confirmationId: 'c-9' },
  });
  assert.equal((await gazette.core.mail.deliverPending({ limit: 10 })).sent, 1);
  const files = readdirSync(path.join(dataDir, 'outbox'));
  assert.equal(files.length, 1);
  assert.match(files[0]!, /\.eml$/);
  const parsed = await simpleParser(readFileSync(path.join(dataDir, 'outbox', files[0]!)));
  assert.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined, email);
  assert.match(parsed.text ?? '', /\/confirm\//);
  assert.ok(parsed.html);
});
