import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import request from 'supertest';
import type { Gazette } from '../../src/main.ts';
import { createLinkSigner } from '../../src/shared/link-signer.ts';
import { isSuppressed, liftSuppression, suppressionHashOf } from '../../src/subscribers/suppression.service.ts';
import { assertDocumented } from '../support/api-contract.ts';
import { ADMIN_TOKEN, countRows, fetchFormStamp, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

const ADDRESS = 'Quill.Suppressed-7f3a@Example.COM';
const NORMALISED = 'Quill.Suppressed-7f3a@example.com';
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** A confirmed subscriber made through the real flow, with their preferences path. */
async function confirmedReader(t: TestContext, kind: StoreKind) {
  const world = await startSubscriptionsWorld(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
  const app = world.gazette.server.app;
  const db = world.gazette.core.store.db;
  const subscribed = await request(app)
    .post('/subscribe')
    .set('User-Agent', 'QuillBrowser/2.0')
    .send({ email: ADDRESS, name: 'Quill', consent: true, frequency: 'weekly' });
  assert.equal(subscribed.status, 202);
  const { id: confirmationId } = await db.selectFrom('subscription_confirmations').select('id').executeTakeFirstOrThrow();
  const confirmed = await request(app).post(`/confirm/${world.gazette.core.signer.sign('confirm', confirmationId)}`);
  assert.equal(confirmed.status, 200);
  const path = new URL(confirmed.body.preferencesUrl as string).pathname;
  return { ...world, app, db, path, id: confirmed.body.subscriber.id as string };
}

/** Every row of every table as text, to look for an address in. */
async function everyTableAsText(gazette: Gazette): Promise<Record<string, string>> {
  const db = gazette.core.store.db;
  const tables = await db.introspection.getTables();
  const dump: Record<string, string> = {};
  for (const table of tables) {
    if (table.isView) continue;
    const rows = await db
      .selectFrom(table.name as 'subscribers')
      .selectAll()
      .execute();
    dump[table.name] = JSON.stringify(rows);
  }
  return dump;
}

/** Delivers everything queued; returns the envelope recipients of the messages that arrived. */
async function deliverAll(
  world: { gazette: Gazette; sink: { waitFor(n: number): Promise<{ envelopeTo: string[] }[]> } },
  expected: number,
) {
  await world.gazette.core.mail.deliverPending({ limit: 50 });
  return (await world.sink.waitFor(expected)).flatMap((m) => m.envelopeTo);
}

for (const kind of storeKinds)
  describe(`suppression on ${kind}`, () => {
    it('"delete my data" leaves only a keyed hash: the address is in no table, the hash needs the secret', async (t) => {
      const { app, path, gazette, db } = await confirmedReader(t, kind);
      const deleted = await request(app).post(path).set('Accept', 'text/html').type('form').send({ action: 'delete', confirm: 'yes' });
      assert.equal(deleted.status, 200);

      const rows = await db.selectFrom('suppressions').selectAll().execute();
      assert.equal(rows.length, 1);
      const [row] = rows;
      assert.match(row!.address_hash, /^[0-9a-f]{64}$/);
      assert.equal(row!.address_hash, suppressionHashOf(gazette.core.signer, NORMALISED));
      assert.deepEqual([row!.reason, row!.source, row!.lifted_at], ['deleted-by-subscriber', 'self-service', null]);
      assert.notEqual(
        row!.address_hash,
        suppressionHashOf(createLinkSigner('some-other-secret-0123456789abcdef'), NORMALISED),
        'the hash is keyed: another secret gives another hash',
      );

      const dump = await everyTableAsText(gazette);
      assert.ok('suppressions' in dump && 'subscribers' in dump, 'the scan covers every table');
      for (const [table, text] of Object.entries(dump)) {
        assert.doesNotMatch(text, /quill\.suppressed-7f3a/i, `no trace of the address in ${table}`);
        assert.doesNotMatch(text, /QuillBrowser/, `no trace of the user agent in ${table}`);
      }
      assert.equal(await isSuppressed(gazette.core.subscriberAdmin, ` ${ADDRESS} `), true, 'found again from the address as typed');
    });

    it('a deleted address signing up again gets the same 202 and creates nothing: no row, no mail', async (t) => {
      const world = await confirmedReader(t, kind);
      const { app, path, gazette, db } = world;
      await request(app).post(path).type('form').send({ action: 'delete', confirm: 'yes' });
      // The confirmation and welcome queued before the delete went with it.
      assert.deepEqual(await deliverAll(world, 0), []);
      const before = await countRows(gazette);

      // The same address however it is typed (the domain's case, spaces); the local part's case matters (RFC 5321).
      for (const email of [ADDRESS, NORMALISED, ` ${NORMALISED} `, 'Quill.Suppressed-7f3a@EXAMPLE.com']) {
        const again = assertDocumented(
          'post',
          '/subscribe',
          await request(app).post('/subscribe').send({ email, consent: true, frequency: 'daily' }),
        );
        assert.equal(again.status, 202);
        const page = await request(app)
          .post('/subscribe')
          .set('Accept', 'text/html')
          .type('form')
          .send({ email, consent: 'yes', frequency: 'daily', stamp: await fetchFormStamp(world) });
        assert.equal(page.status, 202);
        assert.match(page.text, /Check your inbox/);
      }
      const other = await request(app).post('/subscribe').send({ email: 'someone-else@example.com', consent: true });
      assert.equal(other.status, 202);
      const after = await countRows(gazette);
      assert.deepEqual(
        [after.subscribers, after.confirmations, after.deliveries],
        [before.subscribers, before.confirmations, before.deliveries].map((n) => n! + 1),
        'only the other address got a row, a confirmation request and a mail',
      );
      assert.deepEqual(await deliverAll(world, 1), ['someone-else@example.com'], 'the only mail is the other address’s');
      assert.equal((await db.selectFrom('subscribers').select('email').execute()).length, 1);
    });

    it('an admin delete suppresses too; an import reports the address as suppressed and imports the rest', async (t) => {
      const { app, gazette, db, id } = await confirmedReader(t, kind);
      const deleted = await request(app).delete(`/api/subscribers/${id}`).set(auth);
      assert.equal(deleted.status, 204);
      const row = await db.selectFrom('suppressions').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([row.reason, row.source], ['deleted-by-admin', 'admin']);

      const csv = `email,name\nnew-one@example.com,New\nQuill.Suppressed-7f3a@EXAMPLE.com,Quill\n bad@ \n`;
      const imported = assertDocumented(
        'post',
        '/api/subscribers/import',
        await request(app).post('/api/subscribers/import').set(auth).type('text/csv').send(csv),
      );
      assert.equal(imported.status, 200);
      assert.deepEqual(
        [imported.body.rows, imported.body.imported, imported.body.unchanged, imported.body.suppressed, imported.body.suppressedLines],
        [3, 1, 0, 1, [3]],
      );
      assert.equal(imported.body.invalid.length, 1);
      const emails = (await db.selectFrom('subscribers').select('email').execute()).map((r) => r.email);
      assert.deepEqual(emails, ['new-one@example.com']);
      assert.equal(await isSuppressed(gazette.core.subscriberAdmin, ADDRESS), true, 'the import lifted nothing');
    });

    it('after an operator lifts the suppression, the address signs up and gets its confirmation mail', async (t) => {
      const world = await confirmedReader(t, kind);
      const { app, path, gazette, db } = world;
      await request(app).post(path).type('form').send({ action: 'delete', confirm: 'yes' });
      await liftSuppression(gazette.core.subscriberAdmin, ADDRESS, 'test operator');
      const lifted = await db.selectFrom('suppressions').selectAll().executeTakeFirstOrThrow();
      assert.equal(lifted.lifted_by, 'test operator');
      assert.equal(lifted.lifted_at, world.clock.now().toISOString());
      assert.equal(await isSuppressed(gazette.core.subscriberAdmin, ADDRESS), false);

      const again = await request(app).post('/subscribe').send({ email: ADDRESS, consent: true, frequency: 'daily' });
      assert.equal(again.status, 202);
      const subscriber = await db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([subscriber.email, subscriber.status], [NORMALISED, 'pending']);
      assert.deepEqual(await deliverAll(world, 1), [NORMALISED]);

      // Deleted again: suppressed again, with the new reason.
      await request(app).delete(`/api/subscribers/${subscriber.id}`).set(auth);
      const again2 = await db.selectFrom('suppressions').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([again2.reason, again2.lifted_at, again2.lifted_by], ['deleted-by-admin', null, null]);
      assert.equal(await isSuppressed(gazette.core.subscriberAdmin, ADDRESS), true);
    });
  });
