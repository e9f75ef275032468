import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrations } from '../../src/store/migrations/index.ts';
import { openStore } from '../../src/store/open-store.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTestDatabaseUrl } from '../support/test-database.ts';

describe('openStore on PostgreSQL', () => {
  it('lets five instances start on a fresh schema at once: each ends migrated, every migration ran once', async (t) => {
    const url = await makeTestDatabaseUrl(t, 'postgres');
    const stores = await Promise.all(Array.from({ length: 5 }, () => openStore({ url, dataDir: makeTempDir(t) })));
    t.after(() => Promise.all(stores.map((s) => s.close())));
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(stores[0]!.db);
    assert.deepEqual(
      rows.map((r) => r.name),
      Object.keys(migrations).sort(),
    );
    for (const store of stores) assert.deepEqual(await store.db.selectFrom('deliveries').select('id').execute(), []);
  });

  it("migrates a second schema in the same database (Kysely would otherwise find the first one's tables)", async (t) => {
    const first = await openStore({ url: await makeTestDatabaseUrl(t, 'postgres'), dataDir: makeTempDir(t) });
    t.after(() => first.close());
    const second = await openStore({ url: await makeTestDatabaseUrl(t, 'postgres'), dataDir: makeTempDir(t) });
    t.after(() => second.close());
    await second.db.insertInto('site_state').values({ key: 'only-here', value: '1' }).execute();
    assert.equal(
      (await first.db.selectFrom('site_state').selectAll().where('key', '=', 'only-here').execute()).length,
      0,
      'the schemas are apart',
    );
  });
});
