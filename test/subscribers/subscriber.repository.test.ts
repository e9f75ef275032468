import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'kysely';
import type { Frequency } from '../../src/shared/frequency.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Db } from '../../src/store/database.ts';
import {
  countAudience,
  findEmailsByIds,
  findRecipient,
  findSubscriberById,
  insertSubscribersIfAbsent,
  markSubscriberBounced,
  restoreBouncedSubscribers,
  selectAudienceIds,
  updateSubscriber,
} from '../../src/subscribers/subscriber.repository.ts';
import type { NewSubscriber, SubscriberStatus } from '../../src/subscribers/subscriber.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

const AT = new Date('2026-03-01T08:00:00.000Z');

async function openDb(t: TestContext, kind: StoreKind): Promise<Db> {
  const store = await openStore({ url: await makeTestDatabaseUrl(t, kind), dataDir: makeTempDir(t) });
  t.after(() => store.close());
  return store.db;
}

let counter = 0;
function buildSubscriber(spec: { status?: SubscriberStatus; frequency?: Frequency; email?: string } = {}): NewSubscriber {
  const email = spec.email ?? `reader${++counter}@example.org`;
  const status = spec.status ?? 'confirmed';
  return {
    id: randomUUID(),
    email,
    emailKey: email,
    name: null,
    frequency: spec.frequency ?? 'daily',
    status,
    createdAt: AT,
    updatedAt: AT,
    confirmedAt: status === 'pending' ? null : AT,
    unsubscribedAt: status === 'unsubscribed' ? AT : null,
    bouncedAt: status === 'bounced' ? AT : null,
    consent:
      status === 'pending'
        ? null
        : { at: AT, ip: '192.0.2.1', userAgent: 'Test/1', source: 'form', text: 'Send me new articles by email.' },
  };
}

async function store(db: Db, subscribers: NewSubscriber[]): Promise<string[]> {
  for (let i = 0; i < subscribers.length; i += 200) await insertSubscribersIfAbsent(db, subscribers.slice(i, i + 200));
  return subscribers.map((s) => s.id);
}

for (const kind of storeKinds)
  describe(`subscriber.repository on ${kind}`, () => {
    it('stores a NewSubscriber and reads back the same Subscriber; an update changes only what it names', async (t) => {
      const db = await openDb(t, kind);
      const { emailKey, ...subscriber } = buildSubscriber({ email: 'Ada@example.org' });
      assert.deepEqual([...(await insertSubscribersIfAbsent(db, [{ ...subscriber, emailKey }]))], [emailKey]);
      assert.deepEqual(await findSubscriberById(db, subscriber.id), subscriber);
      assert.equal(
        (await insertSubscribersIfAbsent(db, [{ ...buildSubscriber(), emailKey }])).size,
        0,
        'a stored address is left as it is',
      );

      const later = new Date('2026-03-02T09:30:00.000Z');
      await updateSubscriber(db, subscriber.id, { status: 'unsubscribed', unsubscribedAt: later, name: 'Ada', updatedAt: later });
      assert.deepEqual(await findSubscriberById(db, subscriber.id), {
        ...subscriber,
        status: 'unsubscribed',
        unsubscribedAt: later,
        name: 'Ada',
        updatedAt: later,
      });
      await updateSubscriber(db, subscriber.id, { consent: null, name: null, updatedAt: later });
      assert.deepEqual(await findSubscriberById(db, subscriber.id), {
        ...subscriber,
        status: 'unsubscribed',
        unsubscribedAt: later,
        consent: null,
        updatedAt: later,
      });
    });

    it('selectAudienceIds is the confirmed subscribers of one frequency, usable inside an INSERT … SELECT; countAudience counts them', async (t) => {
      const db = await openDb(t, kind);
      const audience = await store(db, [buildSubscriber(), buildSubscriber(), buildSubscriber()]);
      await store(db, [
        buildSubscriber({ status: 'pending' }),
        buildSubscriber({ status: 'unsubscribed' }),
        buildSubscriber({ status: 'bounced' }),
        buildSubscriber({ frequency: 'weekly' }),
        buildSubscriber({ frequency: 'instant' }),
      ]);
      assert.equal(await countAudience(db, 'daily'), 3);
      assert.equal(await countAudience(db, 'weekly'), 1);

      // The statement an edition's deliveries are made with: the ids never pass through JavaScript.
      const editionId = 'edition-1';
      const at = AT.toISOString();
      await db
        .insertInto('editions')
        .values({ id: editionId, frequency: 'daily', period_key: at, period_start: at, period_end: at, created_at: at })
        .execute();
      await db
        .insertInto('deliveries')
        .columns(['id', 'edition_id', 'subscriber_id', 'kind', 'status', 'due_at', 'created_at', 'updated_at'])
        .expression(
          db
            .selectFrom(selectAudienceIds(db, 'daily').as('audience'))
            .select([
              sql<string>`cast(${editionId} as text) || ':' || audience.id`.as('id'),
              sql<string>`cast(${editionId} as text)`.as('edition_id'),
              'audience.id as subscriber_id',
              sql<string>`'edition'`.as('kind'),
              sql<string>`'queued'`.as('status'),
              sql<string>`cast(${at} as text)`.as('due_at'),
              sql<string>`cast(${at} as text)`.as('created_at'),
              sql<string>`cast(${at} as text)`.as('updated_at'),
            ]),
        )
        .execute();
      const rows = await db.selectFrom('deliveries').select(['id', 'subscriber_id']).orderBy('subscriber_id').execute();
      assert.deepEqual(
        rows,
        [...audience].sort().map((id) => ({ id: `${editionId}:${id}`, subscriber_id: id })),
      );
    });

    it('findEmailsByIds maps every stored id to its address, past one query of 500, and leaves unknown ids out', async (t) => {
      const db = await openDb(t, kind);
      const subscribers = Array.from({ length: 1203 }, () => buildSubscriber());
      const ids = await store(db, subscribers);
      const emails = await findEmailsByIds(db, [...ids, 'no-such-id', ids[0]!]);
      assert.equal(emails.size, 1203);
      for (const s of subscribers) assert.equal(emails.get(s.id), s.email);
      assert.deepEqual(await findEmailsByIds(db, []), new Map());
    });

    it('a bounce stops pending and confirmed subscribers only; a restore brings back only those still bounced', async (t) => {
      const db = await openDb(t, kind);
      const [confirmed, pending, unsubscribed] = await store(db, [
        buildSubscriber(),
        buildSubscriber({ status: 'pending' }),
        buildSubscriber({ status: 'unsubscribed' }),
      ]);
      const bounceAt = new Date('2026-03-03T00:00:00.000Z');
      for (const id of [confirmed!, pending!, unsubscribed!]) await markSubscriberBounced(db, id, bounceAt);
      assert.deepEqual(await Promise.all([confirmed!, pending!, unsubscribed!].map(async (id) => (await findRecipient(db, id))?.status)), [
        'bounced',
        'bounced',
        'unsubscribed',
      ]);
      assert.equal((await findSubscriberById(db, confirmed!))?.bouncedAt?.toISOString(), bounceAt.toISOString());

      const restoreAt = new Date('2026-03-04T00:00:00.000Z');
      assert.deepEqual((await restoreBouncedSubscribers(db, [confirmed!, unsubscribed!, 'no-such-id'], restoreAt)).sort(), [confirmed!]);
      const restored = await findSubscriberById(db, confirmed!);
      assert.deepEqual(
        [restored?.status, restored?.bouncedAt, restored?.updatedAt.toISOString()],
        ['confirmed', null, restoreAt.toISOString()],
      );
      const recipient = await findRecipient(db, confirmed!);
      assert.deepEqual(Object.keys(recipient ?? {}).sort(), ['email', 'frequency', 'id', 'name', 'status']);
      assert.equal(await findRecipient(db, 'no-such-id'), undefined);
    });
  });
