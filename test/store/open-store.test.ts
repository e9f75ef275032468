import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openStore } from '../../src/store/open-store.ts';
import { makeTestDatabaseUrl } from '../support/test-database.ts';
import { makeTempDir } from '../support/temp-dir.ts';

it('migrates a PostgreSQL schema while another schema of the same database already holds migrated tables', async (t) => {
  const dataDir = makeTempDir(t);
  const first = await openStore({ url: await makeTestDatabaseUrl(t, 'postgres'), dataDir });
  t.after(() => first.close());
  // Kysely's migrator looks for its own tables in every schema unless told which one: it would
  // find the first schema's and never create them in the second.
  const second = await openStore({ url: await makeTestDatabaseUrl(t, 'postgres'), dataDir });
  t.after(() => second.close());
  const articles = await second.db.selectFrom('articles').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(articles.n), 0);
});
