import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { claimDueDeliveries, insertTransactional, recordOutcome } from '../../src/mail/outbox.repository.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

const NOW = new Date('2025-09-08T07:00:00Z');
const later = (ms: number): Date => new Date(NOW.getTime() + ms);

/** Three handles on one database, as three instances would have; `rows` queued deliveries. */
async function instances(t: TestContext, kind: StoreKind, rows: number): Promise<Store[]> {
  const url = await makeTestDatabaseUrl(t, kind);
  const dataDir = makeTempDir(t);
  // One after another: concurrent start-up is open-store.test's subject (and SQLite's Kysely
  // adapter has no migration lock, so three fresh handles at once in one process would collide).
  const stores: Store[] = [];
  for (let i = 0; i < 3; i++) stores.push(await openStore({ url, dataDir }));
  t.after(() => Promise.all(stores.map((s) => s.close())));
  const { id } = await insertSubscriber(stores[0]!.db, { status: 'pending' });
  for (let i = 0; i < rows; i++)
    await insertTransactional(stores[0]!.db, { id: `row-${i}`, recipientId: id, kind: 'confirmation', params: {}, now: NOW });
  return stores;
}

const claim = (store: Pick<Store, 'db'>, token: string, limit: number, at = NOW) =>
  claimDueDeliveries(store.db, { now: at, leaseUntil: new Date(at.getTime() + 5000), token, limit });

for (const kind of storeKinds)
  describe(`outbox claims on ${kind}`, () => {
    it('three instances claiming at once take every row exactly once, never more than the limit per claim', async (t) => {
      const stores = await instances(t, kind, 300);
      const claimedBy = await Promise.all(
        stores.map(async (store, n) => {
          const ids: string[] = [];
          for (let pass = 0; ; pass++) {
            const rows = await claim(store, `instance-${n}-pass-${pass}`, 7);
            assert.ok(rows.length <= 7, `a claim takes at most its limit (took ${rows.length})`);
            if (rows.length === 0) return ids;
            ids.push(...rows.map((r) => r.id));
          }
        }),
      );
      const all = claimedBy.flat();
      assert.equal(all.length, 300, 'no row claimed twice');
      assert.equal(new Set(all).size, 300, 'every row claimed');
    });

    it('reclaims the rows of an expired lease, and the first holder can no longer record their outcome', async (t) => {
      const [a, b] = await instances(t, kind, 10);
      assert.equal((await claim(a!, 'lease-a', 10)).length, 10);
      assert.equal((await claim(b!, 'lease-b-early', 10, later(1000))).length, 0, 'leased rows are not due');
      const taken = await claim(b!, 'lease-b', 10, later(6000));
      assert.equal(taken.length, 10, 'expired: taken over');
      await recordOutcome(
        a!.db,
        { id: taken[0]!.id, leaseToken: 'lease-a' },
        { status: 'failed', reply: '451 late', nextAttemptAt: null },
        later(6500),
      );
      await recordOutcome(b!.db, taken[0]!, { status: 'sent', reply: '250 OK' }, later(7000));
      const row = await a!.db
        .selectFrom('deliveries')
        .select(['status', 'attempts', 'last_reply'])
        .where('id', '=', taken[0]!.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'sent', attempts: 0, last_reply: '250 OK' });
    });
  });

describe('outbox claims on postgres, with a claim still uncommitted', () => {
  it('a second instance skips the rows locked by the first instead of waiting for them', async (t) => {
    const [a, b] = await instances(t, 'postgres', 10);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let claimedByA!: () => void;
    const aClaimed = new Promise<void>((resolve) => (claimedByA = resolve));
    const aIds: string[] = [];
    const transactionA = a!.db.transaction().execute(async (tx) => {
      aIds.push(...(await claim({ db: tx }, 'lease-a', 5)).map((r) => r.id));
      claimedByA();
      await held;
    });
    await aClaimed;
    // Without SKIP LOCKED, b would pick the same five (a's update is not visible yet) and wait on
    // their locks: lock_timeout turns that wait into an error instead of a hang.
    const bIds = await b!.db.transaction().execute(async (tx) => {
      await sql`set local lock_timeout = '3s'`.execute(tx);
      return (await claim({ db: tx }, 'lease-b', 5)).map((r) => r.id);
    });
    release();
    await transactionA;
    assert.equal(aIds.length, 5);
    assert.equal(bIds.length, 5);
    assert.equal(new Set([...aIds, ...bIds]).size, 10, 'disjoint rows');
  });
});
