import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { suppressAddress } from '../../src/subscribers/suppression.service.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { ADMIN_TOKEN, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
// A '+' and a '/' in the local part: the path carries the address percent-encoded.
const ADDRESS = 'pat+news/2026@Example.org';
const PATH = `/api/suppressions/${encodeURIComponent(ADDRESS)}`;

for (const kind of storeKinds)
  describe(`admin suppressions API on ${kind}`, () => {
    it('needs the admin token: off without one (404), 401 for a wrong one', async (t) => {
      const off = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) }, admin: { token: null } });
      for (const method of ['get', 'delete'] as const) {
        const res = assertDocumented(method, PATH, await request(off.gazette.server.app)[method](PATH).set(auth));
        assert.equal(res.status, 404);
        assert.equal(res.body.error.code, 'AdminApiDisabled');
      }
      const on = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      await suppressAddress(on.gazette.core.subscriberAdmin, ADDRESS, 'operator', 'test');
      for (const method of ['get', 'delete'] as const) {
        const res = assertDocumented(method, PATH, await request(on.gazette.server.app)[method](PATH).set('Authorization', 'Bearer nope'));
        assert.equal(res.status, 401);
      }
      const still = await on.gazette.core.store.db.selectFrom('suppressions').select('lifted_at').executeTakeFirstOrThrow();
      assert.equal(still.lifted_at, null, 'a refused DELETE lifted nothing');
    });

    it('GET says whether an address is suppressed and why; DELETE lifts it once, recording who', async (t) => {
      const { gazette, clock } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const app = gazette.server.app;
      const never = assertDocumented('get', PATH, await request(app).get(PATH).set(auth));
      assert.equal(never.status, 200);
      assert.equal(never.headers['cache-control'], 'no-store');
      assert.deepEqual(never.body, { suppressed: false, reason: null, source: null, suppressedAt: null, liftedAt: null, liftedBy: null });

      await suppressAddress(gazette.core.subscriberAdmin, ADDRESS, 'complaint', 'feedback loop');
      const suppressedAt = clock.now().toISOString();
      // The same address with its domain in another case is the same address.
      const otherCase = `/api/suppressions/${encodeURIComponent('pat+news/2026@EXAMPLE.ORG')}`;
      const found = assertDocumented('get', otherCase, await request(app).get(otherCase).set(auth));
      assert.deepEqual(found.body, {
        suppressed: true,
        reason: 'complaint',
        source: 'feedback loop',
        suppressedAt,
        liftedAt: null,
        liftedBy: null,
      });

      clock.advance(60_000);
      const lifted = assertDocumented('delete', PATH, await request(app).delete(PATH).set(auth));
      assert.equal(lifted.status, 204);
      const after = assertDocumented('get', PATH, await request(app).get(PATH).set(auth));
      assert.equal(after.body.suppressed, false);
      assert.equal(after.body.reason, 'complaint', 'the reason it was suppressed is still told');
      assert.equal(after.body.liftedAt, clock.now().toISOString());
      assert.match(after.body.liftedBy, /^admin-api from /);

      const twice = assertDocumented('delete', PATH, await request(app).delete(PATH).set(auth));
      assert.equal(twice.status, 404);
      assert.equal(twice.body.error.code, 'NotFound');
      const missing = `/api/suppressions/${encodeURIComponent('nobody@example.org')}`;
      assert.equal(assertDocumented('delete', missing, await request(app).delete(missing).set(auth)).status, 404);
    });

    it('a malformed address gets 400 naming the field; nothing is listed at /api/suppressions', async (t) => {
      const { gazette } = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const app = gazette.server.app;
      for (const bad of ['not-an-address', 'two@@example.org', 'pat@localhost', `${'a'.repeat(300)}@example.org`]) {
        const path = `/api/suppressions/${encodeURIComponent(bad)}`;
        for (const method of ['get', 'delete'] as const) {
          const res = assertDocumented(method, path, await request(app)[method](path).set(auth));
          assert.equal(res.status, 400, `${method} ${bad}`);
          assert.equal(res.body.error.code, 'ValidationFailed');
          assert.match(res.body.error.message, /^address/, res.body.error.message);
        }
      }
      const list = await request(app).get('/api/suppressions').set(auth);
      assert.equal(list.status, 404, 'there is no list to read');
    });
  });
