import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type { Express } from 'express';
import request from 'supertest';
import { createCore } from '../../src/core/create-core.ts';
import { createServer } from '../../src/http/server.ts';
import type { ApplyOutcome, DeliveryReport, ReportSink } from '../../src/list-health/delivery-report.ts';
import { createDeliveryTags } from '../../src/mail/verp.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLinkSigner } from '../../src/shared/link-signer.ts';
import { makeLocalPki, startLocalHttpsServer, type LocalHttpsServer, type LocalPki } from '../support/local-pki.ts';
import { signedSesNotification, signSns, SNS_CERT_PATH, type SnsFields } from '../support/sns-signing.ts';
import { makeTestConfig } from '../support/test-config.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:gazette-bounces';
const POSTMARK = { user: 'postmark-hook', password: 'a-long-postmark-password' };
const MAILGUN_KEY = 'key-0123456789abcdef0123456789abcdef';
const NOW = '2026-01-10T12:00:00.000Z';
const CERT_PATH = SNS_CERT_PATH;
const CONFIRM_PATH = '/confirm-subscription';
const SECRET = 'webhook-test-secret-0123456789abcdefghij';
/** A delivery id signed as Gazette writes it into its mail (mail/delivery-headers.ts): what providers hand back. */
const tag = (deliveryId: string): string => createDeliveryTags(createLinkSigner(SECRET)).tagFor(deliveryId)!;

/** The test's own sink: records every report and is idempotent by reportId, as the contract asks. */
class RecordingSink implements ReportSink {
  readonly calls: DeliveryReport[] = [];
  readonly #seen = new Set<string>();
  apply(report: DeliveryReport): Promise<ApplyOutcome> {
    this.calls.push(report);
    const outcome = this.#seen.has(report.reportId) ? 'duplicate' : 'applied';
    this.#seen.add(report.reportId);
    return Promise.resolve(outcome);
  }
}

interface World {
  app: Express;
  sink: RecordingSink;
  clock: ManualClock;
  pki: LocalPki;
  aws: LocalHttpsServer;
  countTokens(): Promise<number>;
}

let sharedPki: LocalPki | undefined;

async function startWorld(t: TestContext, webhooks: { [key: string]: Json } = {}): Promise<World> {
  // One CA for the whole file: openssl key generation is the slow part.
  sharedPki ??= makeLocalPki({ after: () => undefined });
  const pki = sharedPki;
  const aws = await startLocalHttpsServer(t, pki, { [CERT_PATH]: pki.signingCertPem, [CONFIRM_PATH]: '<ConfirmSubscriptionResponse/>' });
  const { config } = makeTestConfig(t, {
    secret: SECRET,
    bounces: {
      webhooks: {
        ses: { enabled: true, topicArn: TOPIC, certHostPattern: '^localhost:\\d+$', caCertificates: pki.caPem },
        postmark: POSTMARK,
        mailgun: { signingKey: MAILGUN_KEY },
        ...webhooks,
      },
    },
  });
  const clock = new ManualClock(NOW);
  const core = await createCore(config, { clock });
  t.after(() => core.close());
  const sink = new RecordingSink();
  const { app } = createServer(core, { reports: sink });
  const countTokens = async () =>
    Number(
      (
        await core.store.db
          .selectFrom('webhook_replay_tokens')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { app, sink, clock, pki, aws, countTokens };
}

// ---- SNS ----

function snsNotification(world: World, sesEvent: object, extra: SnsFields = {}, version: '1' | '2' = '2'): SnsFields {
  const message = signedSesNotification(world.pki, world.aws, TOPIC, sesEvent, world.clock.now(), extra);
  return version === '2' ? message : signSns(world.pki, message, '1');
}

const postSns = (world: World, message: SnsFields) =>
  request(world.app).post('/webhooks/ses').set('Content-Type', 'text/plain; charset=UTF-8').send(JSON.stringify(message));

const sesMail = { messageId: 'ses-1', source: 'news@example.com', headers: [{ name: 'X-Gazette-Delivery', value: tag('delivery-42') }] };

const sesBounce = (bounceType: string) => ({
  notificationType: 'Bounce',
  mail: sesMail,
  bounce: {
    bounceType,
    bounceSubType: 'General',
    bouncedRecipients: [
      { emailAddress: 'gone@example.com', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
      { emailAddress: 'full@example.com', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 mailbox full' },
    ],
  },
});

test('an SES permanent bounce (SignatureVersion 1) becomes one hard bounce per recipient, with the delivery id from the header', async (t) => {
  const world = await startWorld(t);
  const message = snsNotification(world, sesBounce('Permanent'), {}, '1');
  const res = await postSns(world, message);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'received', applied: 2, duplicate: 0, ignored: 0 });
  assert.deepEqual(world.sink.calls, [
    {
      kind: 'hard-bounce',
      deliveryId: 'delivery-42',
      recipient: 'gone@example.com',
      status: '5.1.1',
      diagnostic: 'smtp; 550 5.1.1 user unknown',
      source: 'ses',
      reportId: `${message.MessageId}:gone@example.com`,
    },
    {
      kind: 'hard-bounce',
      deliveryId: 'delivery-42',
      recipient: 'full@example.com',
      status: '4.2.2',
      diagnostic: 'smtp; 452 4.2.2 mailbox full',
      source: 'ses',
      reportId: `${message.MessageId}:full@example.com`,
    },
  ]);
});

test('SES transient bounces are soft, complaints and deliveries map, and the signing certificate is fetched once', async (t) => {
  const world = await startWorld(t);
  assert.equal((await postSns(world, snsNotification(world, sesBounce('Transient')))).status, 200);
  const complaint = {
    eventType: 'Complaint',
    mail: { messageId: 'ses-2', tags: { 'gazette-delivery': [tag('delivery-7').replace('.', '')] } },
    complaint: { complainedRecipients: [{ emailAddress: 'angry@example.com' }], complaintFeedbackType: 'abuse' },
  };
  assert.equal((await postSns(world, snsNotification(world, complaint, { Subject: 'Amazon SES Email Event Notification' }))).status, 200);
  const delivery = {
    notificationType: 'Delivery',
    mail: { messageId: 'ses-3' },
    delivery: { recipients: ['happy@example.com'], smtpResponse: '250 2.0.0 OK' },
  };
  assert.equal((await postSns(world, snsNotification(world, delivery))).status, 200);
  assert.deepEqual(
    world.sink.calls.map((r) => [r.kind, r.recipient, r.deliveryId, r.status, r.diagnostic]),
    [
      ['soft-bounce', 'gone@example.com', 'delivery-42', '5.1.1', 'smtp; 550 5.1.1 user unknown'],
      ['soft-bounce', 'full@example.com', 'delivery-42', '4.2.2', 'smtp; 452 4.2.2 mailbox full'],
      ['complaint', 'angry@example.com', 'delivery-7', null, 'abuse'],
      ['delivered', 'happy@example.com', null, '2.0.0', '250 2.0.0 OK'],
    ],
  );
  assert.deepEqual(
    world.aws.requests.filter((p) => p === CERT_PATH),
    [CERT_PATH],
    'one certificate fetch for three messages',
  );
});

test('an SNS subscription confirmation is verified, then confirmed by fetching SubscribeURL once', async (t) => {
  const world = await startWorld(t);
  const confirmation = signSns(world.pki, {
    Type: 'SubscriptionConfirmation',
    MessageId: randomUUID(),
    Token: 'token-123',
    TopicArn: TOPIC,
    Message: 'You have chosen to subscribe to the topic.',
    SubscribeURL: `${world.aws.origin}${CONFIRM_PATH}?Action=ConfirmSubscription&Token=token-123`,
    Timestamp: NOW,
    SigningCertURL: `${world.aws.origin}${CERT_PATH}`,
  });
  const res = await postSns(world, confirmation);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'confirmed' });
  assert.deepEqual(world.aws.requests, [CERT_PATH, `${CONFIRM_PATH}?Action=ConfirmSubscription&Token=token-123`]);
  assert.equal(world.sink.calls.length, 0);

  const elsewhere = signSns(world.pki, { ...confirmation, MessageId: randomUUID(), SubscribeURL: 'https://attacker.example.net/confirm' });
  const refused = await postSns(world, elsewhere);
  assert.equal(refused.status, 403);
  assert.equal(world.aws.requests.length, 2, 'nothing more fetched');
});

test('SNS messages that are forged, unsigned, tampered, from elsewhere or too old get 403 and reach no sink', async (t) => {
  const world = await startWorld(t);
  const event = sesBounce('Permanent');
  const valid = snsNotification(world, event);
  const { Signature: _signature, ...unsigned } = valid;
  const cases: [string, SnsFields][] = [
    ['unsigned', unsigned],
    ['tampered body', { ...valid, Message: valid.Message!.replace('gone@example.com', 'someone@example.com') }],
    [
      'signature of another message',
      { ...snsNotification(world, event), Signature: snsNotification(world, sesBounce('Transient')).Signature! },
    ],
    ['certificate on another host', snsNotification(world, event, { SigningCertURL: 'https://sns.attacker.example.net/cert.pem' })],
    ['certificate over http', snsNotification(world, event, { SigningCertURL: world.aws.origin.replace('https:', 'http:') + CERT_PATH })],
    ['certificate that is not there', snsNotification(world, event, { SigningCertURL: `${world.aws.origin}/other.pem` })],
    ['another topic', snsNotification(world, event, { TopicArn: 'arn:aws:sns:eu-west-1:999999999999:other' })],
    ['older than an hour', snsNotification(world, event, { Timestamp: new Date(Date.parse(NOW) - 61 * 60_000).toISOString() })],
    ['from the future', snsNotification(world, event, { Timestamp: new Date(Date.parse(NOW) + 60 * 60_000).toISOString() })],
  ];
  for (const [what, message] of cases) {
    const res = await postSns(world, message);
    assert.equal(res.status, 403, `${what}: ${res.text}`);
    assert.equal((res.body as { error: { code: string } }).error.code, 'WebhookRejected', what);
  }
  assert.equal(world.sink.calls.length, 0);
  assert.ok(!world.aws.requests.includes('/cert.pem'));
});

test('a replayed SNS notification changes nothing: duplicates while fresh, 403 once older than an hour', async (t) => {
  const world = await startWorld(t);
  const message = snsNotification(world, sesBounce('Permanent'));
  assert.deepEqual((await postSns(world, message)).body, { status: 'received', applied: 2, duplicate: 0, ignored: 0 });
  assert.deepEqual((await postSns(world, message)).body, { status: 'received', applied: 0, duplicate: 2, ignored: 0 });
  world.clock.advance(61 * 60_000);
  const late = await postSns(world, message);
  assert.equal(late.status, 403);
  assert.equal(world.sink.calls.length, 4, 'the late replay reached no sink');
});

// ---- Postmark ----

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const postmarkBounce = {
  RecordType: 'Bounce',
  ID: 4323372036854,
  Type: 'HardBounce',
  TypeCode: 1,
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  Metadata: { 'gazette-delivery': tag('delivery-9') },
  Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  Email: 'gone@example.com',
  BouncedAt: '2026-01-10T11:59:00Z',
};

test('Postmark with the configured credentials: bounces, complaints and deliveries map; auto-replies do not', async (t) => {
  const world = await startWorld(t);
  const post = (body: object) =>
    request(world.app).post('/webhooks/postmark').set('Authorization', basic(POSTMARK.user, POSTMARK.password)).send(body);
  assert.deepEqual((await post(postmarkBounce)).body, { status: 'received', applied: 1, duplicate: 0, ignored: 0 });
  await post({ ...postmarkBounce, ID: 2, Type: 'SoftBounce', Email: 'full@example.com', Details: 'mailbox full' });
  await post({
    ...postmarkBounce,
    ID: 3,
    RecordType: 'SpamComplaint',
    Type: 'SpamComplaint',
    Email: 'angry@example.com',
    Details: 'Test spam complaint details',
  });
  await post({ RecordType: 'Delivery', MessageID: 'm-4', Recipient: 'happy@example.com', Details: 'Test delivery webhook details' });
  const autoReply = await post({ ...postmarkBounce, ID: 5, Type: 'AutoResponder', Email: 'away@example.com' });
  assert.deepEqual(autoReply.body, { status: 'received', applied: 0, duplicate: 0, ignored: 0 });
  assert.deepEqual(
    world.sink.calls.map((r) => [r.kind, r.recipient, r.deliveryId, r.status, r.reportId]),
    [
      ['hard-bounce', 'gone@example.com', 'delivery-9', '5.1.1', `${postmarkBounce.ID}:${postmarkBounce.MessageID}:Bounce`],
      ['soft-bounce', 'full@example.com', 'delivery-9', null, `2:${postmarkBounce.MessageID}:Bounce`],
      ['complaint', 'angry@example.com', 'delivery-9', null, `3:${postmarkBounce.MessageID}:SpamComplaint`],
      ['delivered', 'happy@example.com', null, null, 'm-4:happy@example.com:Delivery'],
    ],
  );
  assert.ok(world.sink.calls.every((r) => r.source === 'postmark'));
});

test('Postmark with wrong or missing credentials gets 403 and reaches no sink', async (t) => {
  const world = await startWorld(t);
  for (const authorization of [
    basic(POSTMARK.user, 'a-long-postmark-passworD'),
    basic('someone', POSTMARK.password),
    basic(POSTMARK.user, ''),
    'Bearer a-long-postmark-password',
    undefined,
  ]) {
    const req = request(world.app).post('/webhooks/postmark');
    if (authorization) void req.set('Authorization', authorization);
    const res = await req.send(postmarkBounce);
    assert.equal(res.status, 403, String(authorization));
  }
  assert.equal(world.sink.calls.length, 0);
});

// ---- Mailgun ----

function mailgunSigned(key: string, timestampSeconds: number, eventData: object, token = randomUUID().replace(/-/g, '')) {
  const signature = createHmac('sha256', key).update(`${timestampSeconds}${token}`).digest('hex');
  return { signature: { timestamp: String(timestampSeconds), token, signature }, 'event-data': eventData };
}

const nowSeconds = () => Math.floor(Date.parse(NOW) / 1000);

const mailgunFailed = {
  id: 'G9Bn5sl1TC6nu79C8C0bwg',
  event: 'failed',
  severity: 'permanent',
  reason: 'bounce',
  recipient: 'gone@example.com',
  'user-variables': { 'gazette-delivery': tag('delivery-11') },
  'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist', description: '' },
};

test('Mailgun signed events map: permanent failures hard, temporary soft, complaints, deliveries', async (t) => {
  const world = await startWorld(t);
  const post = (eventData: object) =>
    request(world.app)
      .post('/webhooks/mailgun')
      .send(mailgunSigned(MAILGUN_KEY, nowSeconds(), eventData));
  assert.deepEqual((await post(mailgunFailed)).body, { status: 'received', applied: 1, duplicate: 0, ignored: 0 });
  await post({
    ...mailgunFailed,
    id: 'b',
    severity: 'temporary',
    recipient: 'full@example.com',
    'delivery-status': { message: '4.2.2 mailbox full' },
  });
  await post({ id: 'c', event: 'complained', recipient: 'angry@example.com' });
  await post({ id: 'd', event: 'delivered', recipient: 'happy@example.com', 'delivery-status': { code: 250, message: 'OK' } });
  assert.deepEqual((await post({ id: 'e', event: 'opened', recipient: 'happy@example.com' })).body.applied, 0);
  assert.deepEqual(
    world.sink.calls.map((r) => [r.kind, r.recipient, r.deliveryId, r.status, r.reportId]),
    [
      ['hard-bounce', 'gone@example.com', 'delivery-11', '5.1.1', 'G9Bn5sl1TC6nu79C8C0bwg'],
      ['soft-bounce', 'full@example.com', 'delivery-11', '4.2.2', 'b'],
      ['complaint', 'angry@example.com', null, null, 'c'],
      ['delivered', 'happy@example.com', null, null, 'd'],
    ],
  );
});

test('Mailgun forged, replayed or old signatures get 403 and reach no sink; used tokens expire', async (t) => {
  const world = await startWorld(t);
  const post = (body: object) => request(world.app).post('/webhooks/mailgun').send(body);
  const forged = mailgunSigned('key-of-someone-else-000000000000', nowSeconds(), mailgunFailed);
  const valid = mailgunSigned(MAILGUN_KEY, nowSeconds(), mailgunFailed);
  const tampered = { ...valid, signature: { ...valid.signature, timestamp: String(nowSeconds() + 1) } };
  const old = mailgunSigned(MAILGUN_KEY, nowSeconds() - 16 * 60, mailgunFailed);
  for (const [what, body] of [
    ['forged', forged],
    ['tampered timestamp', tampered],
    ['older than the window', old],
    ['no signature', { 'event-data': mailgunFailed }],
    ['malformed signature', { ...valid, signature: { ...valid.signature, signature: 'zz' } }],
  ] as const) {
    const res = await post(body);
    assert.equal(res.status, 403, `${what}: ${res.text}`);
  }
  assert.equal(world.sink.calls.length, 0);
  assert.equal(await world.countTokens(), 0, 'refused requests store no token');

  assert.equal((await post(valid)).status, 200);
  const replay = await post(valid);
  assert.equal(replay.status, 403, 'the same token twice');
  assert.equal(world.sink.calls.length, 1);

  world.clock.advance(20 * 60_000);
  assert.equal((await post(mailgunSigned(MAILGUN_KEY, nowSeconds() + 20 * 60, { ...mailgunFailed, id: 'later' }))).status, 200);
  assert.equal(await world.countTokens(), 1, 'the expired token was deleted');
});

test('webhooks take JSON within a size limit, and a provider that is not configured has no route', async (t) => {
  const world = await startWorld(t, { postmark: null, mailgun: null });
  const auth = basic(POSTMARK.user, POSTMARK.password);
  assert.equal((await request(world.app).post('/webhooks/postmark').set('Authorization', auth).send(postmarkBounce)).status, 404);
  assert.equal(
    (
      await request(world.app)
        .post('/webhooks/mailgun')
        .send(mailgunSigned(MAILGUN_KEY, nowSeconds(), mailgunFailed))
    ).status,
    404,
  );
  const form = await request(world.app).post('/webhooks/ses').type('form').send({ Type: 'Notification' });
  assert.equal(form.status, 415);
  const huge = await postSns(world, snsNotification(world, { notificationType: 'Bounce', padding: 'x'.repeat(300_000) }));
  assert.equal(huge.status, 413);
  assert.equal(world.sink.calls.length, 0);
});
