import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { parseReportMail } from '../../src/list-health/parse-report-mail.ts';
import { createDeliveryTags, createVerpAddresses } from '../../src/mail/verp.ts';
import { createLinkSigner } from '../../src/shared/link-signer.ts';
import { startPostfix } from '../support/postfix.ts';
import { startScriptedSmtp } from '../support/scripted-smtp.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

/**
 * The fixtures are written by hand after real reports (Postfix 3.7's bounce, Gmail's and
 * Outlook.com's DSNs, Yahoo's ARF feedback loop, Exim's and qmail's plain bounces, Outlook and
 * vacation(1) auto-replies), with {{VERP}} standing for the delivery's signed envelope sender:
 * no program installable here writes providers' DSNs, ARF reports or out-of-office replies.
 * Postfix's own DSNs are also made for real, by a private Postfix, at the end of this file.
 */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const signer = createLinkSigner('parse-test-secret-parse-test-secret');
const verp = createVerpAddresses({ bounceDomain: 'bounces.gazette.test', localPart: 'b' }, signer);
const tags = createDeliveryTags(signer);
const DELIVERY = '0b5c3f1e-8d2a-4c8e-9f00-1a2b3c4d5e6f:7e6d5c4b-3a29-4180-8f7e-6d5c4b3a2910';
const address = verp.envelopeSenderFor(DELIVERY)!;

function fixture(name: string, verpAddress = address): Buffer {
  return Buffer.from(readFileSync(path.join(FIXTURES, name), 'utf8').replaceAll('{{VERP}}', verpAddress).replace(/\r?\n/g, '\r\n'));
}

const parse = (raw: Buffer) => parseReportMail(raw, 'imap', { readVerpAddress: verp.readVerpAddress });

/** A minimal RFC 3464 report, for the Action/Status rows of the table. */
function dsn(recipients: { to: string; action: string; status: string; diagnostic?: string }[]): Buffer {
  const blocks = recipients
    .map(
      (r) =>
        `Final-Recipient: rfc822; ${r.to}\r\nAction: ${r.action}\r\nStatus: ${r.status}\r\n${r.diagnostic ? `Diagnostic-Code: smtp; ${r.diagnostic}\r\n` : ''}`,
    )
    .join('\r\n');
  return Buffer.from(
    [
      'From: MAILER-DAEMON@mx.gazette.test',
      `To: ${address}`,
      'Subject: Delivery Status Notification',
      'Message-ID: <dsn-table@mx.gazette.test>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Report.',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.gazette.test',
      '',
      blocks,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

test('real-world DSN layouts: one hard bounce each, with the delivery from the VERP address or the returned headers', async () => {
  const cases = [
    { file: 'postfix-dsn.eml', recipient: 'gone@example.net', status: '5.1.1', diagnostic: /User unknown in virtual mailbox table/ },
    // Gmail's DSN goes to the From address: the delivery comes from the returned message's Return-Path.
    { file: 'gmail-dsn.eml', recipient: 'nobody.here@gmail.com', status: '5.1.1', diagnostic: /does not exist/ },
    { file: 'outlook-dsn.eml', recipient: 'Missing.Person@outlook.com', status: '5.1.10', diagnostic: /RecipientNotFound/ },
  ];
  for (const c of cases) {
    const [report, ...rest] = await parse(fixture(c.file));
    assert.equal(rest.length, 0, c.file);
    assert.ok(report, c.file);
    assert.equal(report.kind, 'hard-bounce', c.file);
    assert.equal(report.deliveryId, DELIVERY, c.file);
    assert.equal(report.recipient, c.recipient, c.file);
    assert.equal(report.status, c.status, c.file);
    assert.match(report.diagnostic ?? '', c.diagnostic, c.file);
    assert.equal(report.source, 'imap');
    assert.match(report.reportId, /^<.+>:.+@/, c.file);
  }
});

test('Action and Status decide the kind: permanent about the recipient is hard, temporary or mailbox full is soft, policy is nothing', async () => {
  const rows: [action: string, status: string, kind: string | undefined][] = [
    ['failed', '5.1.1', 'hard-bounce'],
    ['failed', '5.2.1', 'hard-bounce'],
    ['failed', '5.2.2', 'soft-bounce'],
    ['failed', '4.4.7', 'soft-bounce'],
    ['delayed', '4.4.1', 'soft-bounce'],
    ['delivered', '2.0.0', 'delivered'],
    ['relayed', '2.0.0', 'delivered'],
    ['expanded', '2.0.0', 'delivered'],
    ['failed', '5.7.1', undefined],
    ['failed', '5.3.4', undefined],
    ['failed', '5.1.8', undefined],
  ];
  for (const [action, status, kind] of rows) {
    const reports = await parse(dsn([{ to: 'reader@example.com', action, status }]));
    assert.equal(reports[0]?.kind, kind, `${action} ${status}`);
    if (kind) assert.equal(reports[0]?.status, status);
  }
});

test('a DSN about two recipients gives two reports with distinct report ids', async () => {
  const reports = await parse(
    dsn([
      { to: 'one@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 no such user' },
      { to: 'two@example.com', action: 'failed', status: '4.2.2', diagnostic: '452 4.2.2 over quota' },
    ]),
  );
  assert.deepEqual(
    reports.map((r) => [r.kind, r.recipient, r.diagnostic]),
    [
      ['hard-bounce', 'one@example.com', '550 5.1.1 no such user'],
      ['soft-bounce', 'two@example.com', '452 4.2.2 over quota'],
    ],
  );
  assert.notEqual(reports[0]!.reportId, reports[1]!.reportId);
});

test('an ARF abuse report is one complaint about the recipient, its delivery from Original-Mail-From', async () => {
  const reports = await parse(fixture('yahoo-arf.eml'));
  assert.deepEqual(
    reports.map((r) => [r.kind, r.deliveryId, r.recipient, r.source]),
    [['complaint', DELIVERY, 'reader@yahoo.com', 'imap']],
  );
  const notAbuse = fixture('yahoo-arf.eml').toString().replace('Feedback-Type: abuse', 'Feedback-Type: not-spam');
  assert.deepEqual(await parse(Buffer.from(notAbuse)), []);
});

test('auto-replies are never reports, even when they mention a 5.x.x status', async () => {
  assert.deepEqual(await parse(fixture('out-of-office.eml')), []);
  assert.deepEqual(await parse(fixture('vacation-precedence.eml')), []);
});

test('a plain bounce counts only when it clearly states a permanent status for one recipient', async () => {
  const exim = await parse(fixture('exim-plain.eml'));
  assert.deepEqual(
    exim.map((r) => [r.kind, r.deliveryId, r.recipient, r.status]),
    [['hard-bounce', DELIVERY, 'old.reader@example.com', '5.1.1']],
  );
  assert.deepEqual(await parse(fixture('qmail-temporary.eml')), [], 'a temporary failure in free text is not acted on');
  const notDaemon = fixture('exim-plain.eml').toString().replace('Mailer-Daemon@mx.example.com', 'someone@mx.example.com');
  assert.deepEqual(await parse(Buffer.from(notDaemon)), [], 'free text from a person is never a bounce');
});

test('a report to an altered VERP address keeps only the recipient, never a delivery id', async () => {
  const tampered = address.replace(/\.(.)/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`);
  const reports = await parse(fixture('postfix-dsn.eml', tampered));
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.deliveryId, null);
  assert.equal(reports[0]!.recipient, 'gone@example.net');
  const unverified = await parseReportMail(fixture('postfix-dsn.eml'), 'imap');
  assert.equal(unverified[0]!.deliveryId, null, 'without a VERP reader nothing is trusted');
});

test('the same mail parsed twice gives the same report ids (so it is applied once)', async () => {
  const first = await parse(fixture('postfix-dsn.eml'));
  const second = await parse(fixture('postfix-dsn.eml'));
  assert.deepEqual(
    first.map((r) => r.reportId),
    second.map((r) => r.reportId),
  );
});

test('DSNs a real Postfix writes (refused 5.1.1 and 5.2.2, deferred 4.2.0 and returned at once): one report each, its delivery from the VERP address', async (t) => {
  const refusals: Record<string, { code: number; message: string }> = {
    'gone@example.net': { code: 550, message: '5.1.1 <gone@example.net>: Recipient address rejected: User unknown' },
    'full@example.net': { code: 552, message: '5.2.2 <full@example.net>: Mailbox full' },
    'later@example.net': { code: 451, message: '4.2.0 <later@example.net>: Greylisted' },
  };
  const recipientsServer = await startScriptedSmtp({ rcptTo: (to) => refusals[to] });
  t.after(() => recipientsServer.close());
  const bounceMx = await startSmtpSink();
  t.after(() => bounceMx.close());
  // Queue lifetime 0: a deferred message is returned after its first try.
  const postfix = await startPostfix(t, {
    relayTo: recipientsServer.url,
    routes: { 'bounces.gazette.test': bounceMx.url },
    queueLifetimeSeconds: 0,
  });
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: postfix.port, secure: false, ignoreTLS: true });
  t.after(() => transport.close());
  for (const to of Object.keys(refusals))
    await transport.sendMail({ envelope: { from: address, to }, from: 'news@gazette.test', to, subject: 'News', text: 'Hello.' });
  const dsns = await bounceMx.waitFor(3).catch((error: Error) => {
    throw new Error(`${error.message}\n${postfix.log()}`);
  });

  const reports = (await Promise.all(dsns.map((d) => parse(d.raw)))).flat();
  assert.deepEqual(reports.map((r) => [r.recipient, r.kind, r.status, r.deliveryId]).sort(), [
    ['full@example.net', 'soft-bounce', '5.2.2', DELIVERY],
    ['gone@example.net', 'hard-bounce', '5.1.1', DELIVERY],
    ['later@example.net', 'soft-bounce', '4.2.0', DELIVERY],
  ]);
  for (const r of reports) {
    assert.match(r.diagnostic ?? '', new RegExp(`^${refusals[r.recipient!]!.code} ${r.status}`), "the reply of the recipients' server");
    assert.match(r.reportId, /^<.+@mta\.gazette\.test>:/);
  }
});

test('without VERP, the X-Gazette-Delivery header of the returned message names the delivery, only when its MAC checks', async () => {
  const withTag = (tag: string) =>
    Buffer.from(
      fixture('postfix-dsn.eml', 'news@gazette.test')
        .toString('utf8')
        .replace('Return-Path: <news@gazette.test>', `Return-Path: <news@gazette.test>\r\nX-Gazette-Delivery: ${tag}`),
    );
  const tag = tags.tagFor(DELIVERY)!;
  const options = { readVerpAddress: verp.readVerpAddress, readDeliveryTag: (t: string) => tags.readTag(t) };
  const [report] = await parseReportMail(withTag(tag), 'imap', options);
  assert.equal(report!.deliveryId, DELIVERY);
  assert.equal(report!.recipient, 'gone@example.net');
  const altered = tag.slice(0, -1) + (tag.endsWith('A') ? 'B' : 'A');
  const [forged] = await parseReportMail(withTag(altered), 'imap', options);
  assert.equal(forged!.deliveryId, null, 'an altered tag is not believed: the recipient address is used');
  assert.equal(forged!.recipient, 'gone@example.net');
});
