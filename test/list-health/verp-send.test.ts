import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette, type Gazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { headerLines, insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';

const NOW = new Date('2025-09-08T07:00:00Z');

async function sendEdition(
  t: TestContext,
  mail: Record<string, string | null>,
): Promise<{ gazette: Gazette; sink: SmtpSink; readerId: string; editionId: string }> {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, { mail: { smtpUrl: sink.url, from: 'Gazette <newsletter@news.example.com>', ...mail } });
  writeArticle(seedsDir, { slug: 'the-only-story', date: '7 September 2025' });
  const gazette = await createGazette(config, { clock: new ManualClock(NOW) });
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  const reader = await insertSubscriber(gazette.core.store.db, { frequency: 'daily', email: 'reader@example.org' });
  const created = await createDueEdition(gazette.core.store.db, 'daily', new Date('2025-09-01T00:00:00Z'), NOW, NOW);
  const report = await gazette.core.mail.deliverPending({ limit: 10 });
  assert.equal(report.sent, 1);
  await sink.waitFor(1);
  return { gazette, sink, readerId: reader.id, editionId: created!.edition.id };
}

test('with mail.bounceDomain set, MAIL FROM is the delivery signed into a VERP address; the From header is unchanged', async (t) => {
  const { gazette, sink, readerId, editionId } = await sendEdition(t, { bounceDomain: 'bounces.example.com', bounceLocalPart: 'b' });
  const [mail] = sink.messages;
  assert.match(mail!.envelopeFrom, /^b\+[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{12}@bounces\.example\.com$/);
  assert.deepEqual(headerLines(mail!.parsed, 'from'), ['"Gazette" <newsletter@news.example.com>']);
  // A DSN sent back to that address names the delivery, and so the subscriber.
  const [report, ...others] = await gazette.core.parseReportMail(dsnTo(mail!.envelopeFrom), 'imap');
  assert.ok(report && others.length === 0);
  assert.equal(report.deliveryId, `${editionId}:${readerId}`);
  assert.equal(await gazette.core.reports.apply(report), 'applied');
  const row = await gazette.core.store.db.selectFrom('subscribers').select('status').where('id', '=', readerId).executeTakeFirstOrThrow();
  assert.equal(row.status, 'bounced');
});

test('without mail.bounceDomain, MAIL FROM stays the From address', async (t) => {
  const { sink } = await sendEdition(t, {});
  assert.equal(sink.messages[0]!.envelopeFrom, 'newsletter@news.example.com');
});

test('a From local part too long for VERP is refused by the config check, naming the setting', (t) => {
  assert.throws(
    () => makeTestConfig(t, { mail: { from: 'Gazette <newsletter@news.example.com>', bounceDomain: 'bounces.example.com' } }),
    /mail.bounceLocalPart.*at most 7 characters.*"newsletter"/s,
  );
});

function dsnTo(address: string): Buffer {
  return Buffer.from(
    [
      'From: MAILER-DAEMON@mx.example.org',
      `To: ${address}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn-1@mx.example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      'Final-Recipient: rfc822; reader@example.org',
      'Action: failed',
      'Status: 5.1.1',
      '--b--',
      '',
    ].join('\r\n'),
  );
}
