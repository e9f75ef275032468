import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeLastIngest, hasEverIngested, readLastIngest, writeLastIngest } from '../../src/articles/ingest-record.ts';
import { openStore } from '../../src/store/open-store.ts';
import { makeTempDir } from '../support/temp-dir.ts';

describe('the last ingest record', () => {
  it('reads back as the domain object that was written, and as nulls on a store that never ingested', async (t) => {
    const store = await openStore({ url: null, dataDir: makeTempDir(t) });
    t.after(() => store.close());
    assert.equal(await readLastIngest(store.db), undefined);
    assert.equal(await hasEverIngested(store.db), false);
    assert.deepEqual(describeLastIngest(undefined), { lastRunAt: null, durationMs: null, scanned: null, problems: null });

    const written = { at: new Date('2026-01-10T12:00:00.000Z'), durationMs: 42, scanned: 7, problems: 2 };
    await writeLastIngest(store.db, written);
    const read = await readLastIngest(store.db);
    assert.deepEqual(read, written);
    assert.equal(await hasEverIngested(store.db), true);
    assert.deepEqual(describeLastIngest(read), { lastRunAt: '2026-01-10T12:00:00.000Z', durationMs: 42, scanned: 7, problems: 2 });
  });
});
