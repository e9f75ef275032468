import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimWebhookToken } from '../../src/list-health/webhook-replay.repository.ts';
import { openStore } from '../../src/store/open-store.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

for (const kind of storeKinds) {
  test(`${kind}: a webhook token is claimed once per source, and expired tokens are forgotten`, async (t) => {
    const store = await openStore({ url: await makeTestDatabaseUrl(t, kind), dataDir: makeTempDir(t) });
    t.after(() => store.close());
    const now = new Date('2026-01-10T12:00:00Z');
    const expires = new Date('2026-01-10T12:15:00Z');
    assert.equal(await claimWebhookToken(store.db, 'mailgun', 'token-a', expires, now), true);
    assert.equal(await claimWebhookToken(store.db, 'mailgun', 'token-a', expires, now), false, 'a replay');
    assert.equal(await claimWebhookToken(store.db, 'other', 'token-a', expires, now), true, 'sources are apart');
    const later = new Date('2026-01-10T12:16:00Z');
    assert.equal(await claimWebhookToken(store.db, 'mailgun', 'token-b', new Date('2026-01-10T12:30:00Z'), later), true);
    const left = await store.db.selectFrom('webhook_replay_tokens').select('token').orderBy('token').execute();
    assert.deepEqual(left, [{ token: 'token-b' }], 'the expired rows were deleted');
  });
}
