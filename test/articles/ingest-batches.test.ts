import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { countPublishedArticles, listSeedFiles } from '../../src/articles/article.repository.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';

describe('ingestSeeds across write batches', () => {
  it('stores more files than one statement holds (500), then rescans them without reading any', async (t) => {
    const { config, seedsDir } = makeTestConfig(t);
    const clock = new ManualClock('2026-01-10T12:00:00Z');
    const gazette = await createGazette(config, { clock });
    t.after(() => gazette.close());
    const count = 1203;
    for (let i = 0; i < count; i++) writeArticle(seedsDir, { slug: `bulk-${i}`, file: `folder-${i % 7}/bulk-${i}.txt` });

    const cold = await gazette.core.ingest.run();
    assert.equal(cold.added.length, count);
    assert.equal(await countPublishedArticles(gazette.core.store.db, clock.now()), count);
    assert.equal((await listSeedFiles(gazette.core.store.db)).length, count);

    const rescan = await gazette.core.ingest.run();
    assert.equal(rescan.scanned, count);
    assert.equal(rescan.read, 0);
    assert.equal(rescan.changed, false);

    rmSync(path.join(seedsDir, 'folder-3'), { recursive: true });
    const afterRemoval = await gazette.core.ingest.run();
    assert.equal(afterRemoval.removed.length, Math.ceil((count - 3) / 7));
    assert.equal((await listSeedFiles(gazette.core.store.db)).length, count - afterRemoval.removed.length);
  });
});
