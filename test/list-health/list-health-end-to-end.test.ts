import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import request from 'supertest';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { startDovecot } from '../support/dovecot.ts';
import { makeLocalPki, startLocalHttpsServer } from '../support/local-pki.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { signedSesNotification, SNS_CERT_PATH } from '../support/sns-signing.ts';
import { makeTestConfig } from '../support/test-config.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:gazette-bounces';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** A fixture addressed to one delivery's VERP address about one recipient, with its own Message-ID. */
function reportFor(name: string, verp: string, recipient: string, id: string): string {
  return fixture(name)
    .replaceAll('{{VERP}}', verp)
    .replaceAll('gone@example.net', recipient)
    .replaceAll('reader@yahoo.com', recipient)
    .replace(/^Message-Id: <[^>]+>/im, `Message-Id: <${id}@reports.example>`);
}

test('a relay that accepts everything, then DSNs and a complaint in the bounce mailbox (a real Dovecot) and a hard bounce through a signed SES notification: bounced, unsubscribed and suppressed, counted in the edition, absent from the next edition; an out-of-office changes nothing; after a restart, reports read or posted again count once', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const dovecot = await startDovecot(t);
  // AWS played by a local HTTPS host serving the SNS signing certificate, trusted through a test CA.
  const pki = makeLocalPki(t);
  const aws = await startLocalHttpsServer(t, pki, { [SNS_CERT_PATH]: pki.signingCertPem });
  const { config, seedsDir } = makeTestConfig(t, {
    mail: { smtpUrl: sink.url, bounceDomain: 'bounces.example.com', bounceLocalPart: 'bounces' },
    bounces: {
      imap: { url: `imap://${dovecot.user}:${dovecot.password}@${dovecot.host}:${dovecot.port}`, pollSeconds: 5 },
      webhooks: { ses: { enabled: true, topicArn: TOPIC, certHostPattern: '^localhost:\\d+$', caCertificates: pki.caPem } },
    },
  });
  const today = new Date().toISOString().slice(0, 10);
  writeArticle(seedsDir, { slug: 'first-week', date: today });
  let gazette = await createGazette(config);
  const running = new Set([gazette]);
  t.after(() => Promise.all([...running].map((g) => g.close())));
  await gazette.core.ingest.run();
  let { db } = gazette.core.store;
  const readers = [];
  for (const name of ['gone-one', 'gone-two', 'complainer', 'on-holiday', 'stays', 'gone-by-ses'])
    readers.push(await insertSubscriber(db, { frequency: 'daily', email: `${name}@example.net` }));
  const [goneOne, goneTwo, complainer, onHoliday, stays, goneBySes] = readers as [
    (typeof readers)[0],
    (typeof readers)[0],
    (typeof readers)[0],
    (typeof readers)[0],
    (typeof readers)[0],
    (typeof readers)[0],
  ];
  const first = await createDueEdition(db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date());
  assert.ok(first?.created);
  assert.equal((await gazette.core.mail.deliverPending({ limit: 50 })).sent, 6, 'the relay accepts every message');

  // Every message left with its own signed VERP envelope sender.
  const verpOf = (email: string): string => {
    const mail = sink.messages.find((m) => m.envelopeTo[0] === email);
    assert.ok(mail, `a message to ${email}`);
    assert.match(mail.envelopeFrom, /^bounces\+[^@]+@bounces\.example\.com$/);
    return mail.envelopeFrom;
  };
  await dovecot.deliver(reportFor('postfix-dsn.eml', verpOf(goneOne.email), goneOne.email, 'dsn-1'));
  await dovecot.deliver(reportFor('postfix-dsn.eml', verpOf(goneTwo.email), goneTwo.email, 'dsn-2'));
  await dovecot.deliver(reportFor('yahoo-arf.eml', verpOf(complainer.email), complainer.email, 'arf-1'));
  await dovecot.deliver(reportFor('out-of-office.eml', verpOf(onHoliday.email), onHoliday.email, 'ooo-1'));

  // SES (identity notifications with original headers) hands back the X-Gazette-Delivery header of the mail it bounced.
  const sesMail = sink.messages.find((m) => m.envelopeTo[0] === goneBySes.email)!;
  const sesTag = sesMail.parsed.headers.get('x-gazette-delivery');
  assert.equal(typeof sesTag, 'string');
  const sesBounce = signedSesNotification(
    pki,
    aws,
    TOPIC,
    {
      notificationType: 'Bounce',
      mail: { messageId: 'ses-e2e-1', headersTruncated: false, headers: [{ name: 'X-Gazette-Delivery', value: sesTag }] },
      bounce: {
        bounceType: 'Permanent',
        bouncedRecipients: [{ emailAddress: goneBySes.email, status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      },
    },
    new Date(),
  );
  const postSes = (app: typeof gazette.server.app) =>
    request(app).post('/webhooks/ses').set('Content-Type', 'text/plain; charset=UTF-8').send(JSON.stringify(sesBounce));
  assert.deepEqual((await postSes(gazette.server.app)).body, { status: 'received', applied: 1, duplicate: 0, ignored: 0 });

  assert.equal(await gazette.scheduler.runNow('bounces'), 'ran');
  const statusOf = async (id: string) =>
    (await db.selectFrom('subscribers').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  assert.deepEqual(
    await Promise.all(readers.map((r) => statusOf(r.id))),
    ['bounced', 'bounced', 'unsubscribed', 'confirmed', 'confirmed', 'bounced'],
    'three hard bounces (two by mail, one by SES), one complaint; the out-of-office and the quiet reader unchanged',
  );
  const health = await gazette.core.editions.report(first.edition.id);
  assert.deepEqual(
    [health.health.hardBounces, health.health.complaints],
    [3, 1],
    'every report, the webhook one too, counts toward its edition',
  );
  const sesReport = await db
    .selectFrom('delivery_reports')
    .select(['edition_id', 'source'])
    .where('subscriber_id', '=', goneBySes.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(sesReport, { edition_id: first.edition.id, source: 'ses' });
  assert.equal(await dovecot.count('INBOX'), 0, 'every message handled and moved');
  assert.equal(await dovecot.count('Processed'), 4);
  const suppressed = await db.selectFrom('suppressions').select(['reason']).execute();
  assert.deepEqual(suppressed, [{ reason: 'complaint' }], 'the complainer is suppressed, by a hash');

  // A restart; then the same DSN again (as after a stop between applying it and moving it) and
  // the same SNS notification again (SNS retries until it gets a 2xx): nothing counts twice.
  const events = async () => (await db.selectFrom('subscriber_events').select('id').execute()).length;
  const reportRows = async () => (await db.selectFrom('delivery_reports').select('report_id').execute()).length;
  const before = { events: await events(), reports: await reportRows() };
  await gazette.close();
  running.delete(gazette);
  gazette = await createGazette(config);
  running.add(gazette);
  db = gazette.core.store.db;
  await dovecot.deliver(reportFor('postfix-dsn.eml', verpOf(goneOne.email), goneOne.email, 'dsn-1'));
  assert.equal(await gazette.scheduler.runNow('bounces'), 'ran');
  assert.deepEqual((await postSes(gazette.server.app)).body, { status: 'received', applied: 0, duplicate: 1, ignored: 0 });
  assert.deepEqual({ events: await events(), reports: await reportRows() }, before);
  assert.deepEqual((await gazette.core.editions.report(first.edition.id)).health, health.health, 'the edition counts nothing twice');

  // The next edition reaches only those still on the list.
  writeArticle(seedsDir, { slug: 'second-week', date: today });
  await gazette.core.ingest.run();
  const next = await createDueEdition(
    db,
    'daily',
    new Date(Date.now() - 24 * 3600_000),
    new Date(Date.now() + 1000),
    new Date(Date.now() + 1000),
  );
  assert.ok(next?.created);
  const audience = await db.selectFrom('deliveries').select('subscriber_id').where('edition_id', '=', next.edition.id).execute();
  assert.deepEqual(audience.map((d) => d.subscriber_id).sort(), [onHoliday.id, stays.id].sort());
});
