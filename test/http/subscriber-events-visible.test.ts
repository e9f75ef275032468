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

const TOKEN = 'admin-token-for-tests-0123456789';

/**
 * A bounce and an operator's restore are stored about the subscriber (subscriber_events): the
 * reply that bounced them, who restored them, when and why. The subscriber's "download my data"
 * must hold them (GDPR article 15: everything stored), and an operator looking at one subscriber
 * in the admin API must see them, in the shape the OpenAPI document gives.
 */
for (const kind of storeKinds)
  describe(`a subscriber's bounces and restores on ${kind}`, () => {
    it("are in the subscriber's data export and in the admin API's subscriber, oldest first", async (t) => {
      const smtp = await startScriptedSmtp({ rcptTo: () => ({ code: 550, message: '5.1.1 User unknown' }) });
      t.after(() => smtp.close());
      const { config, seedsDir } = makeTestConfig(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        admin: { token: TOKEN },
        mail: { smtpUrl: smtp.url },
      });
      writeArticle(seedsDir, { slug: 'bounce-story', date: new Date().toISOString().slice(0, 10) });
      const gazette = await createGazette(config);
      t.after(() => gazette.close());
      await gazette.core.ingest.run();
      const db = gazette.core.store.db;
      const reader = await insertSubscriber(db, { frequency: 'daily' });
      const edition = await createDueEdition(db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date());
      assert.equal((await gazette.core.mail.deliverPending({ limit: 10 })).bounced, 1);
      const auth = { Authorization: `Bearer ${TOKEN}` };
      await request(gazette.server.app)
        .post('/api/bounces/restore')
        .set(auth)
        .send({ editionId: edition!.edition.id, reason: 'relay misrouted' })
        .expect(200);

      const bounced = { kind: 'bounced', editionId: edition!.edition.id, reply: '550 5.1.1 User unknown', actor: 'smtp', reason: null };
      const restored = { kind: 'restored', editionId: edition!.edition.id, reply: '550 5.1.1 User unknown', reason: 'relay misrouted' };

      const one = assertDocumented(
        'get',
        `/api/subscribers/${reader.id}`,
        await request(gazette.server.app).get(`/api/subscribers/${reader.id}`).set(auth).expect(200),
      );
      assert.equal(one.body.status, 'confirmed');
      const events = one.body.events as { at: string; actor: string }[];
      assert.equal(events.length, 2);
      assert.deepEqual({ ...events[0], at: undefined }, { ...bounced, at: undefined });
      assert.match(events[1]!.actor, /^admin-api from /);
      assert.deepEqual({ ...events[1], at: undefined, actor: undefined }, { ...restored, at: undefined, actor: undefined });
      assert.ok(events[0]!.at <= events[1]!.at && !Number.isNaN(Date.parse(events[0]!.at)));

      const path = new URL(`${config.site.baseUrl}/preferences/${gazette.core.signer.sign('manage', reader.id)}`).pathname;
      const exported = assertDocumented(
        'post',
        path,
        await request(gazette.server.app).post(path).type('form').send({ action: 'export' }).expect(200),
      );
      assert.deepEqual(JSON.parse(exported.text).events, events, "the same record in the subscriber's own download");
    });
  });
