import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import type { Express } from 'express';
import { assertDocumented } from '../support/api-contract.ts';
import { ADMIN_TOKEN, countRows, snapshotSubscribers, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';

interface BadRequest {
  what: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  send: (req: request.Test) => request.Test;
  status: number;
  code: string;
}

const json = (body: unknown) => (req: request.Test) => req.set('Content-Type', 'application/json').send(JSON.stringify(body));
const form = (body: string) => (req: request.Test) => req.type('form').send(body);
const raw = (type: string, body: string) => (req: request.Test) => req.set('Content-Type', type).send(body);
const admin =
  (send: (req: request.Test) => request.Test = (r) => r) =>
  (req: request.Test) =>
    send(req.set('Authorization', `Bearer ${ADMIN_TOKEN}`));
const valid = { email: 'reader@example.com', consent: true };

function cases(tokens: { confirm: string; manage: string; subscriberId: string }): BadRequest[] {
  const sub = (what: string, send: BadRequest['send'], status: number, code: string): BadRequest => ({
    what,
    method: 'post',
    path: '/subscribe',
    send,
    status,
    code,
  });
  const prefs = `/preferences/${tokens.manage}`;
  return [
    sub('no email', json({ consent: true }), 400, 'InvalidEmail'),
    sub('not an address', json({ ...valid, email: 'not-an-address' }), 400, 'InvalidEmail'),
    sub(
      'header injection with CRLF and Bcc',
      json({ ...valid, email: 'reader@example.com\r\nBcc: victim@example.org' }),
      400,
      'InvalidEmail',
    ),
    sub(
      'header injection in a form, URL-encoded',
      form('email=reader%40example.com%0D%0ABcc%3A%20victim%40example.org&consent=yes'),
      400,
      'InvalidEmail',
    ),
    sub('trailing line feed', json({ ...valid, email: 'reader@example.com\n' }), 400, 'InvalidEmail'),
    sub('NUL character', json({ ...valid, email: 'rea\u0000der@example.com' }), 400, 'InvalidEmail'),
    sub('domain without a dot', json({ ...valid, email: 'reader@localhost' }), 400, 'InvalidEmail'),
    sub('address over 254 characters', json({ ...valid, email: `${'a'.repeat(64)}@${'b'.repeat(200)}.com` }), 400, 'InvalidEmail'),
    sub('email as a number', json({ ...valid, email: 42 }), 400, 'InvalidEmail'),
    sub('email as an array', json({ ...valid, email: ['a@example.com', 'b@example.com'] }), 400, 'InvalidEmail'),
    sub('email twice in a form', form('email=a%40example.com&email=b%40example.com&consent=yes'), 400, 'InvalidEmail'),
    sub('script in the name', json({ ...valid, name: '<script>alert(1)</script>' }), 400, 'ValidationFailed'),
    sub('line break in the name', json({ ...valid, name: 'Ada\r\nBcc: x@example.org' }), 400, 'ValidationFailed'),
    sub('name over 100 characters', json({ ...valid, name: 'n'.repeat(101) }), 400, 'ValidationFailed'),
    sub('name as an object', json({ ...valid, name: { first: 'Ada' } }), 400, 'ValidationFailed'),
    sub('unknown frequency', json({ ...valid, frequency: 'hourly' }), 400, 'ValidationFailed'),
    sub('no consent', json({ email: 'reader@example.com' }), 400, 'ValidationFailed'),
    sub('consent false', json({ ...valid, consent: false }), 400, 'ValidationFailed'),
    sub('unknown JSON field', json({ ...valid, status: 'confirmed' }), 400, 'UnknownField'),
    sub('unknown form field', form('email=reader%40example.com&consent=yes&admin=1'), 400, 'UnknownField'),
    sub('malformed JSON', raw('application/json', '{"email": "reader@example.com",'), 400, 'BadRequest'),
    sub('a JSON array', json([valid]), 400, 'ValidationFailed'),
    sub('a body over 4 KB', json({ ...valid, name: 'x'.repeat(5000) }), 413, 'PayloadTooLarge'),
    sub('text/plain', raw('text/plain', 'email=reader@example.com'), 415, 'UnsupportedMediaType'),
    sub('multipart', (req) => req.field('email', 'reader@example.com').field('consent', 'yes'), 415, 'UnsupportedMediaType'),
    sub('JSON in latin1', raw('application/json; charset=latin1', JSON.stringify(valid)), 415, 'UnsupportedMediaType'),
    {
      what: 'forged confirmation token',
      method: 'post',
      path: `/confirm/${tokens.confirm.slice(0, -3)}xyz`,
      send: (r) => r,
      status: 400,
      code: 'InvalidToken',
    },
    {
      what: 'manage token used as a confirmation token',
      method: 'post',
      path: `/confirm/${tokens.manage}`,
      send: (r) => r,
      status: 400,
      code: 'InvalidToken',
    },
    {
      what: 'confirmation with an unknown field',
      method: 'post',
      path: `/confirm/${tokens.confirm}`,
      send: json({ status: 'confirmed' }),
      status: 400,
      code: 'UnknownField',
    },
    {
      what: 'confirmation page with a garbage token',
      method: 'get',
      path: '/confirm/garbage',
      send: (r) => r,
      status: 400,
      code: 'InvalidToken',
    },
    {
      what: 'forged unsubscribe token',
      method: 'post',
      path: `/unsubscribe/${tokens.subscriberId}.AAAAAAAAAAAAAAAAAAAAAAAA`,
      send: form('List-Unsubscribe=One-Click'),
      status: 400,
      code: 'InvalidToken',
    },
    {
      what: 'unsubscribe without a signature',
      method: 'post',
      path: `/unsubscribe/${tokens.subscriberId}`,
      send: (r) => r,
      status: 400,
      code: 'InvalidToken',
    },
    {
      what: 'confirmation token used to unsubscribe',
      method: 'post',
      path: `/unsubscribe/${tokens.confirm}`,
      send: (r) => r,
      status: 400,
      code: 'InvalidToken',
    },
    {
      what: 'unsubscribe with text/plain',
      method: 'post',
      path: `/unsubscribe/${tokens.manage}`,
      send: raw('text/plain', 'List-Unsubscribe=One-Click'),
      status: 415,
      code: 'UnsupportedMediaType',
    },
    {
      what: 'unsubscribe with an oversized body',
      method: 'post',
      path: `/unsubscribe/${tokens.manage}`,
      send: form(`List-Unsubscribe=One-Click&x=${'y'.repeat(5000)}`),
      status: 413,
      code: 'PayloadTooLarge',
    },
    {
      what: 'preferences: unknown action',
      method: 'post',
      path: prefs,
      send: json({ action: 'promote' }),
      status: 400,
      code: 'ValidationFailed',
    },
    {
      what: 'preferences: unknown frequency',
      method: 'post',
      path: prefs,
      send: json({ action: 'update', frequency: 'monthly' }),
      status: 400,
      code: 'ValidationFailed',
    },
    {
      what: 'preferences: script in the name',
      method: 'post',
      path: prefs,
      send: form('action=update&name=%3Cscript%3Ealert(1)%3C%2Fscript%3E'),
      status: 400,
      code: 'ValidationFailed',
    },
    {
      what: 'preferences: delete without confirming',
      method: 'post',
      path: prefs,
      send: json({ action: 'delete' }),
      status: 400,
      code: 'ValidationFailed',
    },
    {
      what: 'preferences: unknown field',
      method: 'post',
      path: prefs,
      send: json({ action: 'update', status: 'confirmed' }),
      status: 400,
      code: 'UnknownField',
    },
    {
      what: 'preferences with a forged token',
      method: 'get',
      path: '/preferences/abc.def',
      send: (r) => r,
      status: 400,
      code: 'InvalidToken',
    },
    { what: 'admin API without a token', method: 'get', path: '/api/subscribers', send: (r) => r, status: 401, code: 'Unauthorized' },
    {
      what: 'admin API with a wrong token',
      method: 'delete',
      path: `/api/subscribers/${tokens.subscriberId}`,
      send: (r) => r.set('Authorization', 'Bearer wrong-token-wrong-token'),
      status: 401,
      code: 'Unauthorized',
    },
    {
      what: 'admin: unknown status',
      method: 'patch',
      path: `/api/subscribers/${tokens.subscriberId}`,
      send: admin(json({ status: 'active' })),
      status: 400,
      code: 'ValidationFailed',
    },
    {
      what: 'admin: unknown field',
      method: 'patch',
      path: `/api/subscribers/${tokens.subscriberId}`,
      send: admin(json({ email: 'x@example.com' })),
      status: 400,
      code: 'UnknownField',
    },
    {
      what: 'admin: change as text/plain',
      method: 'patch',
      path: `/api/subscribers/${tokens.subscriberId}`,
      send: admin(raw('text/plain', 'status=bounced')),
      status: 415,
      code: 'UnsupportedMediaType',
    },
    {
      what: 'admin: page size too large',
      method: 'get',
      path: '/api/subscribers?pageSize=9999',
      send: admin(),
      status: 400,
      code: 'ValidationFailed',
    },
    {
      what: 'admin: unknown query parameter',
      method: 'get',
      path: '/api/subscribers?sort=email',
      send: admin(),
      status: 400,
      code: 'UnknownField',
    },
    {
      what: 'admin: import as JSON',
      method: 'post',
      path: '/api/subscribers/import',
      send: admin(json({ email: 'x@example.com' })),
      status: 415,
      code: 'UnsupportedMediaType',
    },
    {
      what: 'admin: import without a header',
      method: 'post',
      path: '/api/subscribers/import',
      send: admin(raw('text/csv', 'x@example.com,X\n')),
      status: 400,
      code: 'ValidationFailed',
    },
    {
      what: 'admin: delete an unknown id',
      method: 'delete',
      path: '/api/subscribers/no-such-id',
      send: admin(),
      status: 404,
      code: 'SubscriberNotFound',
    },
  ];
}

test('bad requests get the right 4xx with a message, and leave the database unchanged', async (t) => {
  const { gazette } = await startSubscriptionsWorld(t);
  const app: Express = gazette.server.app;
  const { id } = await insertSubscriber(gazette.core.store.db, { email: 'known@example.org', status: 'pending' });
  await request(app).post('/subscribe').send({ email: 'pending@example.org', consent: true });
  const confirmationId = (await gazette.core.store.db.selectFrom('subscription_confirmations').select('id').executeTakeFirstOrThrow()).id;
  const tokens = {
    confirm: gazette.core.signer.sign('confirm', confirmationId),
    manage: gazette.core.signer.sign('manage', id),
    subscriberId: id,
  };
  const list = cases(tokens);
  assert.ok(list.length >= 30);
  for (const c of list) {
    const counts = await countRows(gazette);
    const rows = await snapshotSubscribers(gazette);
    const res = await c.send(request(app)[c.method](c.path));
    assert.equal(res.status, c.status, `${c.what}: status (${res.text.slice(0, 200)})`);
    assert.equal(res.body?.error?.code, c.code, `${c.what}: code`);
    assert.ok(res.body.error.message.length > 20, `${c.what}: a message that says what to fix`);
    assertDocumented(c.method, c.path, res);
    const after = await countRows(gazette);
    // A wrong admin token is counted against its client (http/admin-auth-limit.ts): the one row it may add.
    if (c.status === 401) assert.ok(Number(after.rateLimits) - Number(counts.rateLimits) <= 1, `${c.what}: one failure counter at most`);
    assert.deepEqual(
      { ...after, rateLimits: c.status === 401 ? counts.rateLimits : after.rateLimits },
      counts,
      `${c.what}: no row added or removed`,
    );
    assert.equal(await snapshotSubscribers(gazette), rows, `${c.what}: no row changed`);
  }
});

test('a browser gets the form back with the problem listed and its values kept, escaped', async (t) => {
  const { gazette } = await startSubscriptionsWorld(t);
  const counts = await countRows(gazette);
  const res = await request(gazette.server.app)
    .post('/subscribe')
    .set('Accept', 'text/html')
    .type('form')
    .send({ email: 'bad"><script>x</script>', name: 'Ada', consent: 'yes' });
  assert.equal(res.status, 400);
  assert.match(res.text, /role="alert"/);
  assert.match(res.text, /value="Ada"/);
  assert.ok(!res.text.includes('<script>x'), 'the value is escaped');
  assert.ok(res.text.includes('&lt;script&gt;x'), 'the value is kept, escaped');
  assert.match(res.headers['content-security-policy'] ?? '', /default-src 'none'/);
  assert.deepEqual(await countRows(gazette), counts);
});

test('no input produces a 500: malformed percent-encoding, odd methods, huge tokens', async (t) => {
  const { gazette } = await startSubscriptionsWorld(t);
  const app = gazette.server.app;
  const answers = [
    await request(app).get('/confirm/%E0%A4%A'),
    await request(app).post('/unsubscribe/%FF%FE'),
    await request(app).get(`/preferences/${'a'.repeat(5000)}`),
    await request(app).post('/subscribe').set('Content-Type', 'application/json').set('Content-Encoding', 'br').send('{}'),
    await request(app).put('/subscribe').send({}),
    await request(app).post('/subscribe').set('Content-Type', 'application/x-www-form-urlencoded').send('%%%'),
  ];
  for (const res of answers) assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text.slice(0, 120)}`);
});
