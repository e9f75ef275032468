import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { assertDocumented } from '../support/api-contract.ts';
import { mountTmpfs, resizeTmpfs } from '../support/mounts.ts';
import { ADMIN_TOKEN, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';

const ROWS = 40_000;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const csv = ['email,name', ...Array.from({ length: ROWS }, (_, i) => `reader${i}@example.org,Reader ${i}`)].join('\n');

// A real full disk: the data directory is a 2 MB tmpfs mounted for the test, so SQLite's own
// write fails with ENOSPC (SQLITE_FULL) part of the way through 40,000 rows.
test('a CSV import that fills the disk answers 507 naming the disk and the last stored line, and the same import run again finishes the job', async (t) => {
  const dataDir = mountTmpfs(t, { sizeKb: 2048 });
  const { gazette } = await startSubscriptionsWorld(t, { paths: { dataDir } });
  const app = gazette.server.app;
  const db = gazette.core.store.db;

  const full = assertDocumented(
    'post',
    '/api/subscribers/import',
    await request(app).post('/api/subscribers/import').set(auth).type('text/csv').send(csv),
  );
  assert.equal(full.status, 507);
  assert.equal(full.body.error.code, 'StorageFull');
  assert.ok(full.body.error.message.includes(`${dataDir}/gazette.sqlite`), `the message names the disk: ${full.body.error.message}`);
  const { storedThroughLine, imported } = full.body.error.details as { storedThroughLine: number; imported: number };
  assert.ok(imported > 0 && imported < ROWS, `part of the file was stored (${imported})`);
  assert.match(
    full.body.error.message,
    new RegExp(
      `Every valid row up to line ${storedThroughLine} is stored \\(${imported} imported, 0 already on the list\\), none after it\\. Running the same import again finishes the job`,
    ),
  );

  // Exactly the rows the answer says: lines 2 .. storedThroughLine (reader0 is on line 2).
  const stored = await db.selectFrom('subscribers').select('email').execute();
  assert.equal(stored.length, imported);
  assert.equal(storedThroughLine, imported + 1);
  const expected = new Set(Array.from({ length: imported }, (_, i) => `reader${i}@example.org`));
  assert.deepEqual(
    stored.filter((r) => !expected.has(r.email)),
    [],
  );

  // Space freed: the same import again adds the rest and leaves the stored rows as they are.
  resizeTmpfs(dataDir, 64 * 1024);
  const again = await request(app).post('/api/subscribers/import').set(auth).type('text/csv').send(csv);
  assert.equal(again.status, 200);
  assert.deepEqual([again.body.imported, again.body.unchanged, again.body.invalid], [ROWS - imported, imported, []]);
  const total = await db
    .selectFrom('subscribers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  assert.equal(Number(total.n), ROWS);
});
