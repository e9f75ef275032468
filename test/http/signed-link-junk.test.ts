import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import request from 'supertest';
import { countRows, snapshotSubscribers, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';

/**
 * Junk after a valid signature, as a mail client, a chat app or a hand-edit can leave it. Node's
 * base64url decoder ignores every one of these, so before the fix they all acted as the link.
 * In the path: `%00` is a NUL once Express decodes it; `%3D` is `=`.
 */
const JUNK = ['%00', '!', 'A', '=', '%3D', '==', 'AA'];

async function pendingReader(t: TestContext) {
  const world = await startSubscriptionsWorld(t);
  const app = world.gazette.server.app;
  const subscribed = await request(app).post('/subscribe').send({ email: 'junk@example.com', consent: true, frequency: 'weekly' });
  assert.equal(subscribed.status, 202);
  const confirmation = await world.gazette.core.store.db
    .selectFrom('subscription_confirmations')
    .select(['id', 'subscriber_id'])
    .executeTakeFirstOrThrow();
  return {
    ...world,
    app,
    confirmToken: world.gazette.core.signer.sign('confirm', confirmation.id),
    manageToken: world.gazette.core.signer.sign('manage', confirmation.subscriber_id),
  };
}

function assertForged(res: request.Response, what: string): void {
  assert.equal(res.status, 400, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
  assert.equal(res.body.error?.code, 'InvalidToken', what);
}

describe('signed links with junk after the signature get the answer a forged link gets, and change nothing', () => {
  it('/confirm/:token: GET and POST refuse every variant; the real link then confirms', async (t) => {
    const { app, gazette, confirmToken } = await pendingReader(t);
    const before = await snapshotSubscribers(gazette);
    const counts = await countRows(gazette);
    for (const junk of JUNK) {
      assertForged(await request(app).post(`/confirm/${confirmToken}${junk}`), `POST ${junk}`);
      assertForged(await request(app).get(`/confirm/${confirmToken}${junk}`), `GET ${junk}`);
    }
    assert.equal(await snapshotSubscribers(gazette), before);
    assert.deepEqual(await countRows(gazette), counts, 'no mail queued, no row added or removed');
    const confirmed = await request(app).post(`/confirm/${confirmToken}`);
    assert.equal(confirmed.status, 200, 'the canonical link still works');
  });

  it('/unsubscribe/:token: one-click POSTs with junk unsubscribe nobody; the real link does', async (t) => {
    const { app, gazette, confirmToken, manageToken } = await pendingReader(t);
    assert.equal((await request(app).post(`/confirm/${confirmToken}`)).status, 200);
    const before = await snapshotSubscribers(gazette);
    const counts = await countRows(gazette);
    for (const junk of JUNK) {
      assertForged(
        await request(app).post(`/unsubscribe/${manageToken}${junk}`).type('form').send('List-Unsubscribe=One-Click'),
        `POST ${junk}`,
      );
      assertForged(await request(app).get(`/unsubscribe/${manageToken}${junk}`), `GET ${junk}`);
    }
    assert.equal(await snapshotSubscribers(gazette), before);
    assert.deepEqual(await countRows(gazette), counts, 'no mail queued, no row added or removed');
    assert.equal((await request(app).post(`/unsubscribe/${manageToken}`).type('form').send('List-Unsubscribe=One-Click')).status, 200);
    assert.equal((await gazette.core.store.db.selectFrom('subscribers').select('status').executeTakeFirstOrThrow()).status, 'unsubscribed');
  });

  it('/preferences/:token: neither shows the data nor deletes it; the real link does', async (t) => {
    const { app, gazette, confirmToken, manageToken } = await pendingReader(t);
    assert.equal((await request(app).post(`/confirm/${confirmToken}`)).status, 200);
    const before = await snapshotSubscribers(gazette);
    const counts = await countRows(gazette);
    for (const junk of JUNK) {
      assertForged(
        await request(app).post(`/preferences/${manageToken}${junk}`).type('form').send({ action: 'delete', confirm: 'yes' }),
        `delete ${junk}`,
      );
      const page = await request(app).get(`/preferences/${manageToken}${junk}`);
      assertForged(page, `GET ${junk}`);
      assert.doesNotMatch(page.text, /junk@example\.com/);
      assertForged(await request(app).post(`/preferences/${manageToken}${junk}`).send({ action: 'export' }), `export ${junk}`);
    }
    assert.equal(await snapshotSubscribers(gazette), before);
    assert.deepEqual(await countRows(gazette), counts, 'no mail queued, no row added or removed');
    assert.equal(
      (await request(app).post(`/preferences/${manageToken}`).type('form').send({ action: 'delete', confirm: 'yes' })).status,
      200,
    );
    assert.equal((await gazette.core.store.db.selectFrom('subscribers').selectAll().execute()).length, 0);
  });
});
