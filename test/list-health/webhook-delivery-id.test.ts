import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import request from 'supertest';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeLocalPki, startLocalHttpsServer } from '../support/local-pki.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink, type ReceivedMail } from '../support/smtp-sink.ts';
import { signedSesNotification, SNS_CERT_PATH } from '../support/sns-signing.ts';
import { makeTestConfig } from '../support/test-config.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:gazette-bounces';
const POSTMARK = { user: 'postmark-hook', password: 'a-long-postmark-password' };
const MAILGUN_KEY = 'key-0123456789abcdef0123456789abcdef';

/** The one value of a header as the SMTP server received it. */
function headerOf(mail: ReceivedMail, name: string): string {
  const line = mail.parsed.headerLines.find((h) => h.key === name.toLowerCase());
  assert.ok(line, `${name} in the mail to ${mail.envelopeTo[0]}`);
  return line.line.slice(line.line.indexOf(':') + 1).trim();
}

/** One character of the MAC changed: what a forger who does not know the site secret can do. */
const altered = (tag: string): string => tag.slice(0, -1) + (tag.endsWith('A') ? 'B' : 'A');

test('each provider hands back the signed delivery id Gazette put in its mail: the report lands on that delivery and edition and counts in its figures; an altered id is ignored, logged, and the address is used', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const pki = makeLocalPki(t);
  const aws = await startLocalHttpsServer(t, pki, { [SNS_CERT_PATH]: pki.signingCertPem });
  const { config, seedsDir } = makeTestConfig(t, {
    mail: { smtpUrl: sink.url, bounceDomain: 'bounces.example.com', bounceLocalPart: 'bounces' },
    bounces: {
      webhooks: {
        ses: { enabled: true, topicArn: TOPIC, certHostPattern: '^localhost:\\d+$', caCertificates: pki.caPem },
        postmark: POSTMARK,
        mailgun: { signingKey: MAILGUN_KEY },
      },
    },
  });
  const logged = new PassThrough();
  let logText = '';
  logged.on('data', (chunk: Buffer) => (logText += chunk.toString()));
  writeArticle(seedsDir, { slug: 'first-week', date: new Date().toISOString().slice(0, 10) });
  const gazette = await createGazette(config, { log: createLogger({ level: 'warn', destination: logged }) });
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  const { db } = gazette.core.store;
  const names = ['ses-gone', 'postmark-gone', 'mailgun-complainer', 'forged-tag', 'stays'];
  const readers = await Promise.all(names.map((name) => insertSubscriber(db, { frequency: 'daily', email: `${name}@example.net` })));
  const edition = await createDueEdition(db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date());
  assert.ok(edition?.created);
  const editionId = edition.edition.id;
  assert.equal((await gazette.core.mail.deliverPending({ limit: 50 })).sent, 5);
  const mailTo = (i: number): ReceivedMail => sink.messages.find((m) => m.envelopeTo[0] === readers[i]!.email)!;
  const deliveryOf = async (i: number) =>
    (
      await db
        .selectFrom('deliveries')
        .select('id')
        .where('edition_id', '=', editionId)
        .where('subscriber_id', '=', readers[i]!.id)
        .executeTakeFirstOrThrow()
    ).id;

  // The same signed tag as the VERP envelope sender, in every place a provider reads it back.
  for (let i = 0; i < readers.length; i++) {
    const tag = headerOf(mailTo(i), 'X-Gazette-Delivery');
    assert.equal(mailTo(i).envelopeFrom, `bounces+${tag}@bounces.example.com`);
    assert.equal(headerOf(mailTo(i), 'X-SES-MESSAGE-TAGS'), `gazette-delivery=${tag.replace('.', '')}`);
    assert.equal(headerOf(mailTo(i), 'X-PM-Metadata-gazette-delivery'), tag);
    assert.deepEqual(JSON.parse(headerOf(mailTo(i), 'X-Mailgun-Variables')), { 'gazette-delivery': tag });
  }
  const app = gazette.server.app;

  // SES event publishing: the tag from X-SES-MESSAGE-TAGS comes back in mail.tags.
  const sesTag = headerOf(mailTo(0), 'X-SES-MESSAGE-TAGS').split('=')[1]!;
  const sesEvent = {
    eventType: 'Bounce',
    mail: { messageId: 'ses-1', tags: { 'gazette-delivery': [sesTag] } },
    bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: readers[0]!.email, status: '5.1.1' }] },
  };
  const ses = await request(app)
    .post('/webhooks/ses')
    .set('Content-Type', 'text/plain; charset=UTF-8')
    .send(JSON.stringify(signedSesNotification(pki, aws, TOPIC, sesEvent, new Date())));
  assert.deepEqual(ses.body, { status: 'received', applied: 1, duplicate: 0, ignored: 0 });

  // Postmark: X-PM-Metadata-gazette-delivery becomes Metadata["gazette-delivery"].
  const auth = `Basic ${Buffer.from(`${POSTMARK.user}:${POSTMARK.password}`).toString('base64')}`;
  const postmarkBounce = (email: string, tag: string, id: number) => ({
    RecordType: 'Bounce',
    ID: id,
    Type: 'HardBounce',
    MessageID: randomUUID(),
    Metadata: { 'gazette-delivery': tag },
    Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
    Email: email,
  });
  const postmark = await request(app)
    .post('/webhooks/postmark')
    .set('Authorization', auth)
    .send(postmarkBounce(readers[1]!.email, headerOf(mailTo(1), 'X-PM-Metadata-gazette-delivery'), 1));
  assert.equal(postmark.body.applied, 1);

  // Mailgun: X-Mailgun-Variables comes back as user-variables.
  const token = randomUUID().replace(/-/g, '');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const mailgun = await request(app)
    .post('/webhooks/mailgun')
    .send({
      signature: { timestamp, token, signature: createHmac('sha256', MAILGUN_KEY).update(`${timestamp}${token}`).digest('hex') },
      'event-data': {
        id: 'mg-1',
        event: 'complained',
        recipient: readers[2]!.email,
        'user-variables': JSON.parse(headerOf(mailTo(2), 'X-Mailgun-Variables')) as object,
      },
    });
  assert.equal(mailgun.body.applied, 1);

  // A tag with one character changed: not believed, logged; the address still finds the subscriber.
  const forged = await request(app)
    .post('/webhooks/postmark')
    .set('Authorization', auth)
    .send(postmarkBounce(readers[3]!.email, altered(headerOf(mailTo(3), 'X-PM-Metadata-gazette-delivery')), 2));
  assert.equal(forged.body.applied, 1);

  const reports = await db
    .selectFrom('delivery_reports')
    .select(['subscriber_id', 'delivery_id', 'edition_id', 'kind', 'source'])
    .orderBy('received_at')
    .execute();
  const bySubscriber = (i: number) => reports.find((r) => r.subscriber_id === readers[i]!.id);
  assert.deepEqual(bySubscriber(0), {
    subscriber_id: readers[0]!.id,
    delivery_id: await deliveryOf(0),
    edition_id: editionId,
    kind: 'hard-bounce',
    source: 'ses',
  });
  assert.deepEqual(bySubscriber(1), {
    subscriber_id: readers[1]!.id,
    delivery_id: await deliveryOf(1),
    edition_id: editionId,
    kind: 'hard-bounce',
    source: 'postmark',
  });
  assert.deepEqual(bySubscriber(2), {
    subscriber_id: readers[2]!.id,
    delivery_id: await deliveryOf(2),
    edition_id: editionId,
    kind: 'complaint',
    source: 'mailgun',
  });
  assert.deepEqual(
    bySubscriber(3),
    { subscriber_id: readers[3]!.id, delivery_id: null, edition_id: null, kind: 'hard-bounce', source: 'postmark' },
    'the altered tag is ignored: found by address, so no delivery and no edition',
  );
  const refusals = logText
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string; source?: string; level: number })
    .filter((entry) => /unsigned or altered/.test(entry.msg));
  assert.deepEqual(
    refusals.map((r) => [r.level, r.source]),
    [[40, 'postmark']],
  );

  const statuses = await Promise.all(
    readers.map(async (r) => (await db.selectFrom('subscribers').select('status').where('id', '=', r.id).executeTakeFirstOrThrow()).status),
  );
  assert.deepEqual(statuses, ['bounced', 'bounced', 'unsubscribed', 'bounced', 'confirmed']);
  const { health } = await gazette.core.editions.report(editionId);
  assert.equal(health.hardBounces, 2, "the two webhook bounces with the id count toward the edition; the forged one's does not");
  assert.equal(health.complaints, 1);
});
