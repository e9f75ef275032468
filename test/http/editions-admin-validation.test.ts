import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { editionsAdminOperations } from '../../src/http/editions-admin.openapi.ts';
import { editionParams, listEditionsQuery, previewQuery, restoreBody } from '../../src/http/editions-admin.schemas.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { ADMIN_TOKEN, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const NO_SUCH_EDITION = 'abcdef00-0000-4000-8000-00000000beef';

test('the editions routes refuse bad input with the documented status, code and message', async (t) => {
  const { gazette } = await startSubscriptionsWorld(t);
  const app = gazette.server.app;
  const refused = async (method: 'get' | 'post', path: string, status: number, code: string, message: string | RegExp, body?: object) => {
    const call = method === 'get' ? request(app).get(path).set(auth) : request(app).post(path).set(auth).send(body);
    const res = assertDocumented(method, path, await call);
    assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
    assert.equal(res.body.error.code, code, `${method} ${path}`);
    if (typeof message === 'string') assert.equal(res.body.error.message, message);
    else assert.match(res.body.error.message, message);
  };

  for (const limit of ['0', '101', 'ten', '2.5', '-1', '']) {
    await refused('get', `/api/editions?limit=${limit}`, 400, 'ValidationFailed', 'limit must be a whole number from 1 to 100.');
  }
  await refused('get', '/api/editions?limit=1&limit=2', 400, 'ValidationFailed', 'limit must be a whole number from 1 to 100.');
  await refused('get', '/api/editions?page=2', 400, 'UnknownField', /"page".*accepts limit/);
  assert.deepEqual(assertDocumented('get', '/api/editions', await request(app).get('/api/editions?limit=100').set(auth).expect(200)).body, {
    items: [],
  });

  for (const path of ['/api/editions/not-an-edition', `/api/editions/${NO_SUCH_EDITION.toUpperCase()}`]) {
    await refused('get', path, 404, 'EditionNotFound', 'No edition has this id.');
    await refused('post', `${path}/resend-failed`, 404, 'EditionNotFound', 'No edition has this id.');
    await refused('post', `${path}/resume`, 404, 'EditionNotFound', 'No edition has this id.');
  }
  await refused('get', `/api/editions/${NO_SUCH_EDITION}`, 404, 'EditionNotFound', /No edition has the id/);

  await refused('post', '/api/bounces/restore', 404, 'EditionNotFound', 'No edition has this id.', {
    editionId: 'not-an-edition',
    reason: 'test',
  });
  await refused(
    'post',
    '/api/bounces/restore',
    400,
    'ValidationFailed',
    'reason is required: it is recorded with each restored subscriber.',
    { editionId: NO_SUCH_EDITION, reason: ' ' },
  );
  await refused('post', '/api/bounces/restore', 400, 'UnknownField', /"actor"/, { reply: '5.7.0', reason: 'test', actor: 'me' });

  for (const query of ['', '?frequency=hourly', '?frequency=instant', '?frequency=daily&frequency=weekly']) {
    await refused('get', `/api/digests/preview${query}`, 400, 'ValidationFailed', 'frequency must be "daily" or "weekly".');
  }
  await refused('get', '/api/digests/preview?frequency=daily&format=text', 400, 'UnknownField', /"format".*accepts frequency/);
});

test('the editions OpenAPI entries are built from the schemas the routes validate with', () => {
  const find = (method: string, path: string) => editionsAdminOperations.find((op) => op.method === method && op.path === path);
  assert.equal(find('get', '/api/editions')?.query, listEditionsQuery);
  assert.equal(find('get', '/api/digests/preview')?.query, previewQuery);
  assert.equal(find('post', '/api/bounces/restore')?.body?.schema, restoreBody);
  for (const path of ['/api/editions/{id}', '/api/editions/{id}/resend-failed', '/api/editions/{id}/resume']) {
    assert.equal(find(path.endsWith('}') ? 'get' : 'post', path)?.params, editionParams, path);
  }
});
