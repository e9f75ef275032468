import assert from 'node:assert/strict';
import { rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { countPublishedArticles, findArticleBySlug } from '../../src/articles/article.repository.ts';
import { INGEST_BATCH_FILES } from '../../src/articles/ingest.service.ts';
import { listSeedFiles } from '../../src/articles/seed-file.repository.ts';
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

  it('settles slug contests across batches as one plan over every file would', async (t) => {
    const { config, seedsDir } = makeTestConfig(t);
    const clock = new ManualClock('2026-01-10T12:00:00Z');
    const gazette = await createGazette(config, { clock });
    t.after(() => gazette.close());
    const db = gazette.core.store.db;
    const owner = writeArticle(seedsDir, { slug: 'kept-slug', file: 'z-owner.txt' });
    const renamer = writeArticle(seedsDir, { slug: 'given-up', file: 'y-renamer.txt' });
    await gazette.core.ingest.run();

    // More newcomers than one batch holds, the contested ones sorting before both published files.
    for (let i = 0; i < INGEST_BATCH_FILES + 50; i++)
      writeArticle(seedsDir, { slug: `filler-${i}`, file: `m-${String(i).padStart(4, '0')}.txt` });
    writeArticle(seedsDir, { slug: 'kept-slug', file: 'a-newcomer-wants-kept.txt' });
    writeArticle(seedsDir, { slug: 'given-up', file: 'a-newcomer-takes-given-up.txt' });
    writeArticle(seedsDir, { slug: 'new-name', file: 'b-newcomer-wants-new-name.txt' });
    // Both published files change: one keeps its slug, the other names a slug a newcomer before it also names.
    writeArticle(seedsDir, { slug: 'kept-slug', file: 'z-owner.txt', paragraphs: ['Edited.'] });
    writeArticle(seedsDir, { slug: 'new-name', file: 'y-renamer.txt' });
    for (const file of [owner, renamer]) utimesSync(file, new Date(Date.now() + 5000), new Date(Date.now() + 5000));

    const report = await gazette.core.ingest.run();
    assert.deepEqual(
      report.problems.map((p) => [p.file, p.code]),
      [
        ['a-newcomer-wants-kept.txt', 'DuplicateSlug'],
        ['y-renamer.txt', 'DuplicateSlug'],
      ],
    );
    assert.equal((await findArticleBySlug(db, 'kept-slug'))?.sourceFile, 'z-owner.txt');
    assert.equal((await findArticleBySlug(db, 'given-up'))?.sourceFile, 'a-newcomer-takes-given-up.txt');
    assert.equal((await findArticleBySlug(db, 'new-name'))?.sourceFile, 'b-newcomer-wants-new-name.txt');
    assert.deepEqual(report.removed, []);
    assert.equal(report.read, INGEST_BATCH_FILES + 50 + 5);
  });
});
