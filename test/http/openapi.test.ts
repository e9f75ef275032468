import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Express } from 'express';
import request from 'supertest';
import { apiOperations } from '../../src/http/api-document.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { ADMIN_TOKEN, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';

/** Paths whose routes are API and must be documented; the rest (pages, feeds, assets, health) are not API. */
const API_ROUTE = /^\/(api|subscribe|confirm|unsubscribe|preferences|manage)(\/|$)/;

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every "METHOD /path" in Express's router table, nested routers included (ours mount without a prefix). */
function routesOf(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths)
          for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') found.push(`${m.toUpperCase()} ${p}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

const toExpress = (openApiPath: string): string => openApiPath.replace(/\{([^}]+)\}/g, ':$1');

test('the OpenAPI document and the Express router table hold the same API routes', async (t) => {
  const { gazette } = await startSubscriptionsWorld(t);
  const routes = routesOf(gazette.server.app);
  assert.ok(routes.includes('GET /subscribe'), 'the router walk finds routes');
  const documented = apiOperations.map((op) => `${op.method.toUpperCase()} ${toExpress(op.path)}`);
  assert.equal(new Set(documented).size, documented.length, 'each operation documented once');
  const undocumented = routes.filter((r) => API_ROUTE.test(r.split(' ')[1]!) && !documented.includes(r));
  assert.deepEqual(undocumented, [], 'every API route is in the document');
  const missing = documented.filter((d) => !routes.includes(d));
  assert.deepEqual(missing, [], 'every documented operation is a route');
});

test('/api/openapi.json is served, well-formed OpenAPI 3.1, and describes every operation', async (t) => {
  const { gazette } = await startSubscriptionsWorld(t);
  const res = assertDocumented('get', '/api/openapi.json', await request(gazette.server.app).get('/api/openapi.json'));
  const doc = res.body as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        { operationId: string; parameters: { name: string; in: string }[]; responses: Record<string, unknown>; security?: unknown }
      >
    >;
  };
  assert.equal(doc.openapi, '3.1.0');
  const ids = new Set<string>();
  for (const op of apiOperations) {
    const described = doc.paths[op.path]?.[op.method];
    assert.ok(described, `${op.method} ${op.path} described`);
    ids.add(described.operationId);
    for (const name of [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)) {
      assert.ok(
        described.parameters.some((p) => p.in === 'path' && p.name === name),
        `${op.path} documents its path parameter ${name}`,
      );
    }
    for (const status of Object.keys(described.responses)) assert.match(status, /^[1-5][0-9][0-9]$/);
    assert.equal(
      Boolean(described.security),
      op.path.startsWith('/api/') && op.path !== '/api/openapi.json',
      `${op.path}: security on the admin API only`,
    );
  }
  assert.equal(ids.size, apiOperations.length, 'operationIds are unique');
});

test('every documented operation answers with a documented status and body (one request each)', async (t) => {
  // Proof of work on, so that its challenge route answers; JSON sign-ups need none (jsonApi "open").
  const { gazette, seedsDir, clock } = await startSubscriptionsWorld(t, {
    subscriptions: { proofOfWork: { enabled: true, complexity: 1000 } },
  });
  const app = gazette.server.app;
  const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  writeArticle(seedsDir, { slug: 'documented-story', date: '2026-01-09T09:00Z' });
  await gazette.core.ingest.run();
  await insertSubscriber(gazette.core.store.db, { email: 'weekly@example.com', frequency: 'weekly' });
  const preview = await request(app).get('/api/digests/preview?frequency=weekly').set(auth);
  const edition = await createDueEdition(gazette.core.store.db, 'weekly', new Date('2026-01-03T07:00:00Z'), clock.now(), clock.now());
  const editionId = edition!.edition.id;
  await request(app).post('/subscribe').send({ email: 'doc@example.com', consent: true });
  const db = gazette.core.store.db;
  const { id } = await db.selectFrom('subscribers').select('id').where('email', '=', 'doc@example.com').executeTakeFirstOrThrow();
  const confirmation = (await db.selectFrom('subscription_confirmations').select('id').executeTakeFirstOrThrow()).id;
  const manage = gazette.core.signer.sign('manage', id);
  const confirm = gazette.core.signer.sign('confirm', confirmation);
  const calls: [string, string, () => request.Test | Promise<request.Response>][] = [
    ['get', '/subscribe', () => request(app).get('/subscribe')],
    ['post', '/subscribe', () => request(app).post('/subscribe').send({ email: 'doc2@example.com', consent: true })],
    ['get', '/subscribe/challenge', () => request(app).get('/subscribe/challenge')],
    ['get', `/confirm/${confirm}`, () => request(app).get(`/confirm/${confirm}`)],
    ['post', `/confirm/${confirm}`, () => request(app).post(`/confirm/${confirm}`)],
    ['get', `/unsubscribe/${manage}`, () => request(app).get(`/unsubscribe/${manage}`)],
    ['get', `/preferences/${manage}`, () => request(app).get(`/preferences/${manage}`)],
    ['post', `/preferences/${manage}`, () => request(app).post(`/preferences/${manage}`).send({ action: 'export' })],
    ['post', `/unsubscribe/${manage}`, () => request(app).post(`/unsubscribe/${manage}`)],
    ['get', '/manage', () => request(app).get('/manage')],
    ['post', '/manage', () => request(app).post('/manage').send({ email: 'doc@example.com' })],
    ['get', '/api/subscribers', () => request(app).get('/api/subscribers').set(auth)],
    ['get', '/api/subscribers/stats', () => request(app).get('/api/subscribers/stats').set(auth)],
    ['get', '/api/subscribers/export', () => request(app).get('/api/subscribers/export').set(auth)],
    [
      'post',
      '/api/subscribers/import',
      () => request(app).post('/api/subscribers/import').set(auth).type('text/csv').send('email\nnew@example.com\n'),
    ],
    ['get', `/api/subscribers/${id}`, () => request(app).get(`/api/subscribers/${id}`).set(auth)],
    ['patch', `/api/subscribers/${id}`, () => request(app).patch(`/api/subscribers/${id}`).set(auth).send({ frequency: 'daily' })],
    ['delete', `/api/subscribers/${id}`, () => request(app).delete(`/api/subscribers/${id}`).set(auth)],
    // The delete just above suppressed the address: read it, then lift it.
    ['get', '/api/suppressions/doc%40example.com', () => request(app).get('/api/suppressions/doc%40example.com').set(auth)],
    ['delete', '/api/suppressions/doc%40example.com', () => request(app).delete('/api/suppressions/doc%40example.com').set(auth)],
    ['get', '/api/openapi.json', () => request(app).get('/api/openapi.json')],
    ['get', '/api/digests/preview?frequency=weekly', async () => preview],
    ['post', '/api/editions', () => request(app).post('/api/editions').set(auth).send({ frequency: 'weekly', dryRun: true })],
    ['get', '/api/editions', () => request(app).get('/api/editions').set(auth)],
    ['get', `/api/editions/${editionId}`, () => request(app).get(`/api/editions/${editionId}`).set(auth)],
    ['post', `/api/editions/${editionId}/resend-failed`, () => request(app).post(`/api/editions/${editionId}/resend-failed`).set(auth)],
    ['post', `/api/editions/${editionId}/resume`, () => request(app).post(`/api/editions/${editionId}/resume`).set(auth)],
    [
      'post',
      '/api/bounces/restore',
      () => request(app).post('/api/bounces/restore').set(auth).send({ editionId, reason: 'the relay refused everyone' }),
    ],
  ];
  const covered = new Set<string>();
  for (const [method, path, call] of calls) {
    const res = assertDocumented(method, path, await call());
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`);
    const generic = path
      .split('?')[0]!
      .replace(/\/(confirm|unsubscribe|preferences)\/.*/, '/$1/{token}')
      .replace(/\/api\/(subscribers|editions)\/[0-9a-f-]{36}/, '/api/$1/{id}')
      .replace(/\/api\/suppressions\/[^/]+$/, '/api/suppressions/{address}');
    covered.add(`${method} ${generic}`);
  }
  assert.deepEqual([...covered].sort(), apiOperations.map((op) => `${op.method} ${op.path}`).sort(), 'each operation exercised');
});
