import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startScriptedSmtp } from '../support/scripted-smtp.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

/**
 * A relay that answers "550 5.1.1" to every recipient (a wrong route, a provider outage) looks
 * like a list of dead addresses. The bounce circuit breaker stops the edition after the first
 * few (defaults: 5 % and at least 10 within 10 minutes), the rest stays queued, the admin API
 * restores the wrongly bounced subscribers (recorded as such) and resumes the edition.
 */
const TOKEN = 'admin-token-for-tests-0123456789';
const READERS = 100;
const LANES = 2; // maxConnections 1 → two sends in flight at most

for (const kind of storeKinds)
  describe(`bounce circuit breaker and restore on ${kind}`, () => {
    it('stops the edition after 10 of 100 hard bounces, keeps the rest queued, reports it; restore and resume send everyone', async (t) => {
      let misrouted = true;
      const smtp = await startScriptedSmtp({ rcptTo: () => (misrouted ? { code: 550, message: '5.1.1 User unknown' } : undefined) });
      t.after(() => smtp.close());
      const { config, seedsDir } = makeTestConfig(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        admin: { token: TOKEN },
        mail: { smtpUrl: smtp.url, maxConnections: 1 },
      });
      writeArticle(seedsDir, { slug: 'breaker-story', date: new Date().toISOString().slice(0, 10) });
      const gazette = await createGazette(config);
      t.after(() => gazette.close());
      await gazette.core.ingest.run();
      const db = gazette.core.store.db;
      for (let i = 0; i < READERS; i++) await insertSubscriber(db, { frequency: 'daily' });
      const created = await createDueEdition(db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date());
      const id = created!.edition.id;
      const auth = { Authorization: `Bearer ${TOKEN}` };

      const pass = await gazette.core.mail.deliverPending({ limit: 200 });
      assert.deepEqual(pass.pausedEditions, [id]);
      assert.ok(pass.bounced >= 10 && pass.bounced < 10 + LANES, `bounced ${pass.bounced}`);
      const report = assertDocumented(
        'get',
        `/api/editions/${id}`,
        await request(gazette.server.app).get(`/api/editions/${id}`).set(auth).expect(200),
      );
      assert.equal(report.body.counts.bounced, pass.bounced);
      assert.equal(report.body.counts.queued, READERS - pass.bounced, 'the rest stays queued');
      // The breaker trips at the 10th; the send already in flight on the other lane may add one.
      assert.match(report.body.stopped.reason, /^1[01] of 100 recipients hard-bounced within 10 min \(limit 5 %, at least 10\)$/);
      const health = await request(gazette.server.app).get('/healthz').expect(200);
      assert.deepEqual(
        health.body.deliveryQueue.stoppedEditions.map((e: { editionId: string }) => e.editionId),
        [id],
      );
      assert.equal((await gazette.core.mail.deliverPending({ limit: 200 })).claimed, 0, 'a stopped edition is not claimed');

      // Mail that is not part of the edition still goes out.
      const newcomer = await insertSubscriber(db, { frequency: 'weekly' });
      misrouted = false;
      await gazette.core.mail.enqueueTransactional(db, {
        kind: 'welcome',
        recipientId: newcomer.id,
        key: `welcome-${newcomer.id}`,
        params: {},
      });
      assert.equal((await gazette.core.mail.deliverPending({ limit: 200 })).sent, 1);

      await request(gazette.server.app).post('/api/bounces/restore').set(auth).send({ editionId: id }).expect(400);
      await request(gazette.server.app).post('/api/bounces/restore').set(auth).send({ reason: 'no filter' }).expect(400);
      const restored = assertDocumented(
        'post',
        '/api/bounces/restore',
        await request(gazette.server.app)
          .post('/api/bounces/restore')
          .set(auth)
          .send({ editionId: id, reason: 'the relay misrouted every recipient' })
          .expect(200),
      );
      assert.deepEqual(restored.body, { restored: pass.bounced, requeued: pass.bounced, unchanged: 0 });
      assert.deepEqual(await db.selectFrom('subscribers').select('status').distinct().execute(), [{ status: 'confirmed' }]);
      const events = await db
        .selectFrom('subscriber_events')
        .select(['kind', 'actor', 'reason', 'reply', 'edition_id'])
        .where('kind', '=', 'restored')
        .execute();
      assert.equal(events.length, pass.bounced);
      for (const e of events) {
        assert.match(e.actor ?? '', /^admin-api from /);
        assert.deepEqual([e.reason, e.reply, e.edition_id], ['the relay misrouted every recipient', '550 5.1.1 User unknown', id]);
      }
      assert.equal((await gazette.core.mail.deliverPending({ limit: 200 })).claimed, 0, 'restoring does not resume a stopped edition');

      assert.deepEqual((await request(gazette.server.app).post(`/api/editions/${id}/resume`).set(auth).expect(200)).body, {
        resumed: true,
      });
      assert.deepEqual((await request(gazette.server.app).post(`/api/editions/${id}/resume`).set(auth).expect(200)).body, {
        resumed: false,
      });
      while ((await gazette.core.mail.deliverPending({ limit: 200 })).claimed > 0);
      assert.equal(new Set(smtp.accepted).size, READERS + 1, 'every reader got the edition, and the newcomer the welcome');
      assert.equal(smtp.accepted.length, READERS + 1, 'nobody twice');
      assert.equal((await request(gazette.server.app).get(`/api/editions/${id}`).set(auth).expect(200)).body.stopped, null);
    });
  });
