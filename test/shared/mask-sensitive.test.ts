import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replyClassOf } from '../../src/mail/smtp-outcome.ts';
import { createMasker } from '../../src/shared/mask-sensitive.ts';
import { REQUEST_ID_PATTERN } from '../../src/shared/request-context.ts';

const mask = createMasker(['admin-token-0123456789abcdef', 'pw-of-the-smtp-server', null, 'short']);

test('the masker: secrets by value, signed-link tokens, secret query parameters, addresses', () => {
  const cases: [string, string][] = [
    ['Bearer admin-token-0123456789abcdef', 'Bearer [secret]'],
    ['smtp://mailer:pw-of-the-smtp-server@relay', 'smtp://mailer:[secret]@relay'],
    ['a short word', 'a short word'],
    ['"url":"/unsubscribe/abc.DEF_123-x?x=1"', '"url":"/unsubscribe/[redacted]?x=1"'],
    ['GET /confirm/c0ffee.mac', 'GET /confirm/[redacted]'],
    ['/preferences/tok/extra', '/preferences/[redacted]/extra'],
    ['/api/suppressions/grace%40example.org', '/api/suppressions/[redacted]'],
    ['"route":"/confirm/:token"', '"route":"/confirm/:token"'],
    ['/x?utm=1&token=abc123&sig=zz#f', '/x?utm=1&token=[masked]&sig=[masked]#f'],
    ['mailed to Grace.Hopper+news@Example.ORG today', 'mailed to G***@Example.ORG today'],
    ['"to":"<bounce.me@example.net>"', '"to":"<b***@example.net>"'],
    ['q=grace.hopper%40example.org', 'q=g***%40example.org'],
    ['Gazette <newsletter@localhost>', 'Gazette <n***@localhost>'],
    ['at /app/node_modules/@pinojs/redact/index.js', 'at /app/node_modules/@pinojs/redact/index.js'],
  ];
  for (const [line, masked] of cases) assert.equal(mask(line), masked, line);
});

test('SMTP reply classes for metrics', () => {
  assert.equal(replyClassOf('250 2.0.0 OK: queued'), '2xx');
  assert.equal(replyClassOf('250 written to /data/outbox/x.eml'), '2xx');
  assert.equal(replyClassOf({ responseCode: 451, response: '451 4.7.1 try later' }), '4xx');
  assert.equal(replyClassOf({ responseCode: 550 }), '5xx');
  assert.equal(replyClassOf({ code: 'ECONNREFUSED' }), 'none');
  assert.equal(replyClassOf(undefined), 'none');
});

test('a well-formed request id: 1 to 128 characters of A-Z a-z 0-9 . _ -', () => {
  for (const good of ['a', 'flow-1', 'AbC.d_e-9', 'x'.repeat(128), '0af7651916cd43dd8448eb211c80319c'])
    assert.ok(REQUEST_ID_PATTERN.test(good), good);
  for (const bad of ['', 'x'.repeat(129), 'has space', 'quote"d', 'new\nline', 'ü', 'a/b', '{"json":1}'])
    assert.ok(!REQUEST_ID_PATTERN.test(bad), bad);
});
