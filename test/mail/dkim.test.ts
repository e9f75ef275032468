import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { OVER_SIGNED } from '../../src/mail/dkim-signer.ts';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { ALL_WEBHOOKS, deliverEveryMailKind, MAIL_KINDS } from '../support/every-mail.ts';
import { deliverWelcomeMail } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';

/** RFC 6376 §3.4.2 relaxed header canonicalisation. */
const relaxedHeader = (name: string, value: string): string =>
  `${name.toLowerCase()}:${value
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim()}`;

/** RFC 6376 §3.4.4 relaxed body canonicalisation. */
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

/** A DKIM verifier written from the RFC (relaxed/relaxed, rsa-sha256), independent of nodemailer's signer. */
function verifyDkim(raw: string, publicKeyPem: string): { ok: boolean; signedHeaders: string[]; domain: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headerBlock = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const headers = headerBlock
    .split(/\r\n(?![ \t])/)
    .map((line) => ({ name: line.slice(0, line.indexOf(':')), value: line.slice(line.indexOf(':') + 1) }));
  const signature = headers.find((h) => h.name.toLowerCase() === 'dkim-signature');
  assert.ok(signature, 'the message carries a DKIM-Signature');
  const tags = Object.fromEntries(
    signature.value
      .replace(/\r\n[ \t]/g, '')
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')]),
  );
  assert.equal(tags.a, 'rsa-sha256');
  assert.equal(tags.c, 'relaxed/relaxed');
  assert.equal(createHash('sha256').update(relaxedBody(body)).digest('base64'), tags.bh, 'the body hash matches');
  const signedHeaders = tags.h!.split(':').map((h) => h.toLowerCase());
  const remaining = [...headers];
  const data: string[] = [];
  for (const name of signedHeaders) {
    // Signed headers are taken from the bottom up; a name listed but absent signs as empty.
    const index = remaining.map((h) => h.name.toLowerCase()).lastIndexOf(name);
    if (index === -1) continue;
    data.push(`${relaxedHeader(name, remaining[index]!.value)}\r\n`);
    remaining.splice(index, 1);
  }
  data.push(
    relaxedHeader(
      'DKIM-Signature',
      signature.value.replace(/\bb=[^;]*/, (m) => (m.startsWith('bh=') ? m : 'b=')),
    ),
  );
  const verifier = createVerify('RSA-SHA256');
  verifier.update(data.join(''));
  return { ok: verifier.verify(publicKeyPem, tags.b!, 'base64'), signedHeaders, domain: tags.d! };
}

test('with a DKIM key configured, mail is signed over the List-* headers and the signature verifies', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config } = makeTestConfig(t, {
    mail: {
      smtpUrl: sink.url,
      from: 'Gazette <news@news.example.com>',
      feedbackId: 'digest:gazette',
      dkim: { domainName: 'news.example.com', keySelector: 'gz2026', privateKey },
    },
  });
  const gazette = await createGazette(config, { clock: new ManualClock('2025-09-04T10:00:00Z') });
  t.after(() => gazette.close());
  const { sent, mail } = await deliverWelcomeMail(gazette, sink);
  assert.equal(sent, 1);
  const raw = mail.raw.toString('latin1');
  const result = verifyDkim(raw, publicKey);
  assert.equal(result.domain, 'news.example.com');
  for (const header of ['from', 'subject', 'message-id', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post', 'feedback-id']) {
    assert.ok(result.signedHeaders.includes(header), `${header} is signed`);
  }
  assert.ok(result.ok, 'the signature verifies with the public key');

  // Tampering with a signed header breaks it: the verifier is not a rubber stamp.
  const tampered = raw.replace(/^(List-Unsubscribe: <https:\/\/news\.example\.com\/unsubscribe\/)/m, '$1x');
  assert.notEqual(tampered, raw);
  assert.equal(verifyDkim(tampered, publicKey).ok, false);
});

// Debian's python3-dkim (dkimpy), a verifier written by others; scripts/ensure-services.sh installs it.
const DEBIAN_PYTHON = '/usr/bin/python3';
const DKIMPY_VERIFY = `
import sys, dkim
record = b"v=DKIM1; k=rsa; p=" + sys.argv[1].encode()
def dns(name, timeout=5):
    return record if name == sys.argv[2].encode() else None
print("pass" if dkim.verify(sys.stdin.buffer.read(), dnsfunc=dns) else "fail")
`;

/** dkimpy's verdict on a message, the public key served for `<selector>._domainkey.<domain>` by its dnsfunc (no network). */
function verifyWithDkimpy(raw: Buffer, publicKeyPem: string, dnsName: string): Promise<'pass' | 'fail'> {
  const p = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }).toString('base64');
  return new Promise((resolve, reject) => {
    const child = execFile(DEBIAN_PYTHON, ['-c', DKIMPY_VERIFY, p, `${dnsName}.`], (error, stdout, stderr) => {
      if (error) return reject(new Error(`dkimpy failed: ${stderr}`));
      resolve(stdout.trim() as 'pass' | 'fail');
    });
    child.stdin!.end(raw);
  });
}

test('Debian dkimpy verifies every mail kind, and fails a copy with a second From, Subject, List-Unsubscribe or List-Unsubscribe-Post prepended (over-signed)', async (t) => {
  if (!existsSync(DEBIAN_PYTHON))
    throw new Error(`DKIM TESTS CANNOT RUN: ${DEBIAN_PYTHON} is missing (Debian packages python3, python3-dkim)`);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const mails = await deliverEveryMailKind(t, {
    from: 'Gazette <news@news.example.com>',
    dkim: { domainName: 'news.example.com', keySelector: 'gz2026', privateKey },
  });
  const dnsName = 'gz2026._domainkey.news.example.com';
  for (const kind of MAIL_KINDS)
    assert.equal(
      await verifyWithDkimpy(mails[kind].raw, publicKey, dnsName),
      'pass',
      `the ${kind} mail as the SMTP server received it verifies`,
    );

  const mail = mails.digest;
  const h = verifyDkim(mail.raw.toString('latin1'), publicKey).signedHeaders;
  for (const name of OVER_SIGNED)
    assert.equal(h.filter((n) => n === name.toLowerCase()).length, 2, `${name} is listed twice in h=: ${h.join(':')}`);

  const forged = {
    'List-Unsubscribe': 'List-Unsubscribe: <https://attacker.example/unsubscribe>',
    'List-Unsubscribe-Post': 'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    From: 'From: "Your Bank" <security@bank.example>',
    Subject: 'Subject: Your account is locked',
  };
  for (const [name, line] of Object.entries(forged)) {
    const prepended = Buffer.concat([Buffer.from(`${line}\r\n`), mail.raw]);
    assert.equal(await verifyWithDkimpy(prepended, publicKey, dnsName), 'fail', `a second ${name} prepended breaks the signature`);
  }
  // The verifier is not a rubber stamp: a header that is not signed can be added without breaking it.
  assert.equal(await verifyWithDkimpy(Buffer.concat([Buffer.from('X-Added-Later: yes\r\n'), mail.raw]), publicKey, dnsName), 'pass');
});

test('the delivery-id headers are not DKIM-signed: the providers remove theirs after signing and the signature still verifies', async (t) => {
  if (!existsSync(DEBIAN_PYTHON))
    throw new Error(`DKIM TESTS CANNOT RUN: ${DEBIAN_PYTHON} is missing (Debian packages python3, python3-dkim)`);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const mails = await deliverEveryMailKind(
    t,
    { from: 'Gazette <news@news.example.com>', dkim: { domainName: 'news.example.com', keySelector: 'gz2026', privateKey } },
    ALL_WEBHOOKS,
  );
  const dnsName = 'gz2026._domainkey.news.example.com';
  const raw = mails.digest.raw;
  const text = raw.toString('latin1');
  const providerHeaders = /^(X-SES-MESSAGE-TAGS|X-PM-Metadata-gazette-delivery|X-Mailgun-Variables):.*\r\n/gim;
  assert.equal(text.match(providerHeaders)?.length, 3, 'the three provider headers are in the mail as sent');
  assert.match(text, /^X-Gazette-Delivery: [A-Za-z0-9_-]+\.[A-Za-z0-9_-]{12}\r\n/m);
  const h = verifyDkim(text, publicKey).signedHeaders;
  for (const name of ['x-gazette-delivery', 'x-ses-message-tags', 'x-pm-metadata-gazette-delivery', 'x-mailgun-variables'])
    assert.ok(!h.includes(name), `${name} is not in h=: ${h.join(':')}`);
  assert.equal(await verifyWithDkimpy(raw, publicKey, dnsName), 'pass', 'as sent to the provider');
  // SES and Postmark take their header out before delivering; the recipient's verifier still passes.
  const asDelivered = Buffer.from(text.replace(/^(X-SES-MESSAGE-TAGS|X-PM-Metadata-gazette-delivery):.*\r\n/gim, ''), 'latin1');
  assert.equal(await verifyWithDkimpy(asDelivered, publicKey, dnsName), 'pass', 'as the provider delivers it');
});
