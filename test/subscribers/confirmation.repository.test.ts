import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { openStore } from '../../src/store/open-store.ts';
import type { Db } from '../../src/store/database.ts';
import {
  deleteConfirmationsOf,
  findConfirmation,
  insertConfirmation,
  latestConfirmationAt,
  listConfirmationsOf,
  markConfirmationUsed,
  voidOpenConfirmations,
  type Confirmation,
} from '../../src/subscribers/confirmation.repository.ts';
import { insertSubscribersIfAbsent } from '../../src/subscribers/subscriber.repository.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

async function openDb(t: TestContext, kind: StoreKind): Promise<Db> {
  const store = await openStore({ url: await makeTestDatabaseUrl(t, kind), dataDir: makeTempDir(t) });
  t.after(() => store.close());
  return store.db;
}

async function storeSubscriber(db: Db): Promise<string> {
  const id = randomUUID();
  const at = new Date('2026-03-01T00:00:00.000Z');
  const email = `${id}@example.org`;
  await insertSubscribersIfAbsent(db, [
    {
      id,
      email,
      emailKey: email,
      name: null,
      frequency: 'daily',
      status: 'pending',
      createdAt: at,
      updatedAt: at,
      confirmedAt: null,
      unsubscribedAt: null,
      bouncedAt: null,
      consent: null,
    },
  ]);
  return id;
}

function buildConfirmation(subscriberId: string, createdAt: string): Confirmation {
  const created = new Date(createdAt);
  return {
    id: randomUUID(),
    subscriberId,
    name: 'Grace',
    frequency: 'weekly',
    consent: { ip: '2001:db8::1', userAgent: 'Test/1', source: 'api', text: 'Send me new articles by email.' },
    createdAt: created,
    expiresAt: new Date(created.getTime() + 48 * 3600_000),
    usedAt: null,
  };
}

for (const kind of storeKinds)
  describe(`confirmation.repository on ${kind}`, () => {
    it('stores a Confirmation and reads the same one back; a link is used once; voiding and deleting touch one subscriber only', async (t) => {
      const db = await openDb(t, kind);
      const [ada, bob] = [await storeSubscriber(db), await storeSubscriber(db)];
      const first = buildConfirmation(ada, '2026-03-01T10:00:00.000Z');
      const second = buildConfirmation(ada, '2026-03-01T11:00:00.000Z');
      const bobs = buildConfirmation(bob, '2026-03-01T12:00:00.000Z');
      for (const c of [second, first, bobs]) await insertConfirmation(db, c);

      assert.deepEqual(await findConfirmation(db, first.id), first);
      assert.equal(await findConfirmation(db, 'no-such-id'), undefined);
      assert.deepEqual(await latestConfirmationAt(db, ada), second.createdAt);
      assert.equal(await latestConfirmationAt(db, 'no-such-subscriber'), undefined);

      const usedAt = new Date('2026-03-01T13:00:00.000Z');
      assert.equal(await markConfirmationUsed(db, first.id, usedAt), true);
      assert.equal(await markConfirmationUsed(db, first.id, new Date('2026-03-01T14:00:00.000Z')), false, 'only the first use counts');
      await voidOpenConfirmations(db, ada, new Date('2026-03-01T15:00:00.000Z'));
      const adas = await listConfirmationsOf(db, ada);
      assert.deepEqual(
        adas.map((c) => [c.id, c.usedAt?.toISOString()]),
        [
          [first.id, usedAt.toISOString()],
          [second.id, '2026-03-01T15:00:00.000Z'],
        ],
      );
      assert.equal((await findConfirmation(db, bobs.id))?.usedAt, null);

      await deleteConfirmationsOf(db, ada);
      assert.deepEqual(await listConfirmationsOf(db, ada), []);
      assert.deepEqual(await listConfirmationsOf(db, bob), [bobs]);
    });
  });
