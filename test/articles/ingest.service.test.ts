import assert from 'node:assert/strict';
import { copyFileSync, rmSync, utimesSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import supertest from 'supertest';
import { findArticleBySlug, listPublishedArticles } from '../../src/articles/article.repository.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

async function setup(t: TestContext, kind: StoreKind) {
  const { config, seedsDir } = makeTestConfig(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
  const clock = new ManualClock('2026-01-10T12:00:00Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  return { gazette, seedsDir, clock, db: gazette.core.store.db };
}

/** Moves a file's mtime so the next scan sees it as changed even within the same millisecond. */
function touch(file: string, secondsAhead: number): void {
  const t = new Date(Date.now() + secondsAhead * 1000);
  utimesSync(file, t, t);
}

for (const kind of storeKinds)
  describe(`ingestSeeds on ${kind}`, () => {
    it('publishes valid files and reports bad ones by file and line without stopping', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      writeArticle(seedsDir, { slug: 'good-one', date: '1 January 2026' });
      writeFileSync(path.join(seedsDir, 'bad.txt'), '31 February 2026\ngood-two\n\nBody.\n');
      writeArticle(seedsDir, { slug: 'good-three', date: '2 January 2026' });
      writeFileSync(path.join(seedsDir, 'notes.md'), 'not an article');
      writeFileSync(path.join(seedsDir, '.draft.txt'), 'not an article either');
      const report = await gazette.core.ingest.run();
      assert.deepEqual(report.added.sort(), ['good-one', 'good-three']);
      assert.equal(report.scanned, 3);
      assert.deepEqual(
        report.problems.map((p) => [p.file, p.line, p.code]),
        [['bad.txt', 1, 'ImpossibleDate']],
      );
      const listed = await listPublishedArticles(db, { now: clock.now(), limit: 10 });
      assert.deepEqual(
        listed.map((a) => a.slug),
        ['good-three', 'good-one'],
      );
    });

    it('is incremental: unchanged files are not read again, and nothing changes', async (t) => {
      const { gazette, seedsDir } = await setup(t, kind);
      for (let i = 0; i < 5; i++) writeArticle(seedsDir, { slug: `a-${i}` });
      assert.equal((await gazette.core.ingest.run()).read, 5);
      const again = await gazette.core.ingest.run();
      assert.equal(again.read, 0);
      assert.equal(again.changed, false);
    });

    it('updates an edited article without making it new, and moves its updated time', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      const file = writeArticle(seedsDir, { slug: 'edited', paragraphs: ['Old text.'] });
      await gazette.core.ingest.run();
      const before = await findArticleBySlug(db, 'edited');
      assert.equal(before?.updatedAt, null);
      clock.advance(60_000);
      writeArticle(seedsDir, { slug: 'edited', paragraphs: ['New text.'] });
      touch(file, 5);
      const report = await gazette.core.ingest.run();
      assert.deepEqual(report.updated, ['edited']);
      assert.deepEqual(report.added, []);
      const after = await findArticleBySlug(db, 'edited');
      assert.deepEqual(after?.paragraphs, ['New text.']);
      assert.equal(after?.id, before?.id);
      assert.equal(after?.updatedAt?.toISOString(), clock.now().toISOString());
    });

    it('a touched file with the same bytes changes nothing', async (t) => {
      const { gazette, seedsDir } = await setup(t, kind);
      const file = writeArticle(seedsDir, { slug: 'touched' });
      await gazette.core.ingest.run();
      touch(file, 10);
      const report = await gazette.core.ingest.run();
      assert.equal(report.read, 1);
      assert.equal(report.changed, false);
    });

    it('unpublishes the article of a deleted file, and republishes it when the file comes back', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      const file = writeArticle(seedsDir, { slug: 'doomed' });
      writeArticle(seedsDir, { slug: 'survivor' });
      await gazette.core.ingest.run();
      rmSync(file);
      assert.deepEqual((await gazette.core.ingest.run()).removed, ['doomed']);
      const gone = await findArticleBySlug(db, 'doomed');
      assert.ok(gone?.deletedAt);
      assert.deepEqual(
        (await listPublishedArticles(db, { now: clock.now(), limit: 10 })).map((a) => a.slug),
        ['survivor'],
      );
      writeArticle(seedsDir, { slug: 'doomed' });
      assert.deepEqual((await gazette.core.ingest.run()).added, ['doomed']);
      assert.equal((await findArticleBySlug(db, 'doomed'))?.deletedAt, null);
    });

    it('a renamed file keeps its article', async (t) => {
      const { gazette, seedsDir, db } = await setup(t, kind);
      const file = writeArticle(seedsDir, { slug: 'moving' });
      await gazette.core.ingest.run();
      const id = (await findArticleBySlug(db, 'moving'))?.id;
      renameSync(file, path.join(seedsDir, 'renamed.txt'));
      const report = await gazette.core.ingest.run();
      assert.deepEqual(report.removed, []);
      const after = await findArticleBySlug(db, 'moving');
      assert.equal(after?.id, id);
      assert.equal(after?.sourceFile, 'renamed.txt');
      assert.equal(after?.deletedAt, null);
    });

    it('a rename by copy-then-delete never unpublishes the article, even while the copy is too young to read', async (t) => {
      const { gazette, seedsDir, db, clock } = await setup(t, kind);
      const original = writeArticle(seedsDir, { slug: 'copied-away', file: 'a.txt' });
      writeArticle(seedsDir, { slug: 'bystander' });
      await gazette.core.ingest.run();
      const id = (await findArticleBySlug(db, 'copied-away'))?.id;
      // cp a.txt b.txt && rm a.txt, and the scan comes while b.txt is still young (cp gives it a fresh mtime).
      copyFileSync(original, path.join(seedsDir, 'b.txt'));
      utimesSync(path.join(seedsDir, 'b.txt'), clock.now(), clock.now());
      rmSync(original);
      const during = await gazette.core.ingest.run({ minFileAgeMs: 60_000 });
      assert.deepEqual(during.deferred, ['b.txt']);
      assert.deepEqual(during.removed, []);
      assert.equal((await findArticleBySlug(db, 'copied-away'))?.deletedAt, null);
      await supertest(gazette.server.app).get('/articles/copied-away').expect(200);
      for (const feed of ['/feed.xml', '/atom.xml', '/feed.json'])
        assert.match((await supertest(gazette.server.app).get(feed).buffer(true)).text, /copied-away/, feed);
      const after = await gazette.core.ingest.run({ minFileAgeMs: 0 });
      assert.deepEqual([after.added, after.removed, after.problems], [[], [], []]);
      const moved = await findArticleBySlug(db, 'copied-away');
      assert.equal(moved?.id, id);
      assert.equal(moved?.sourceFile, 'b.txt');
      assert.equal(moved?.deletedAt, null);
    });

    it('rejects the second file with a slug already used, naming both files, until the first goes', async (t) => {
      const { gazette, seedsDir } = await setup(t, kind);
      const first = writeArticle(seedsDir, { slug: 'same', file: 'a.txt', paragraphs: ['First.'] });
      await gazette.core.ingest.run();
      writeArticle(seedsDir, { slug: 'same', file: 'b.txt', paragraphs: ['Second.'] });
      const report = await gazette.core.ingest.run();
      assert.deepEqual(
        report.problems.map((p) => [p.file, p.code]),
        [['b.txt', 'DuplicateSlug']],
      );
      assert.match(report.problems[0]!.message, /a\.txt/);
      rmSync(first);
      const after = await gazette.core.ingest.run();
      assert.deepEqual(after.problems, []);
      assert.deepEqual(after.updated, ['same']);
    });

    it('keeps the last good version when a file turns bad, and publishes the fix', async (t) => {
      const { gazette, seedsDir, db } = await setup(t, kind);
      const file = writeArticle(seedsDir, { slug: 'fragile', paragraphs: ['Good.'] });
      await gazette.core.ingest.run();
      writeFileSync(file, 'not a date\nfragile\n\nBroken.\n');
      touch(file, 5);
      const broken = await gazette.core.ingest.run();
      assert.equal(broken.problems[0]?.code, 'InvalidDate');
      assert.deepEqual(broken.removed, []);
      assert.deepEqual((await findArticleBySlug(db, 'fragile'))?.paragraphs, ['Good.']);
      writeArticle(seedsDir, { slug: 'fragile', paragraphs: ['Fixed.'] });
      touch(file, 10);
      const fixed = await gazette.core.ingest.run();
      assert.deepEqual(fixed.problems, []);
      assert.deepEqual((await findArticleBySlug(db, 'fragile'))?.paragraphs, ['Fixed.']);
    });

    it('stores an embargoed article but does not list it until its time comes', async (t) => {
      const { gazette, seedsDir, clock, db } = await setup(t, kind);
      writeArticle(seedsDir, { slug: 'future', date: '2026-01-11T09:00:00Z' });
      await gazette.core.ingest.run();
      assert.ok(await findArticleBySlug(db, 'future'));
      assert.equal((await listPublishedArticles(db, { now: clock.now(), limit: 10 })).length, 0);
      clock.set('2026-01-11T09:00:00Z');
      assert.equal((await listPublishedArticles(db, { now: clock.now(), limit: 10 })).length, 1);
    });

    it('defers a file modified too recently, then picks it up', async (t) => {
      const { gazette, seedsDir, clock } = await setup(t, kind);
      const file = writeArticle(seedsDir, { slug: 'half-written' });
      utimesSync(file, clock.now(), clock.now());
      const early = await gazette.core.ingest.run({ minFileAgeMs: 60_000 });
      assert.deepEqual(early.deferred, ['half-written.txt']);
      assert.deepEqual(early.added, []);
      assert.deepEqual((await gazette.core.ingest.run({ minFileAgeMs: 0 })).added, ['half-written']);
    });
  });

describe('ingestSeeds with an empty seeds directory', () => {
  it('unpublishes nothing when every file is gone at once (an unmounted volume), and removes normally otherwise', async (t) => {
    const { config, seedsDir } = makeTestConfig(t);
    const gazette = await createGazette(config, { clock: new ManualClock('2026-01-10T12:00:00Z') });
    t.after(() => gazette.close());
    const a = writeArticle(seedsDir, { slug: 'kept-a' });
    const b = writeArticle(seedsDir, { slug: 'kept-b' });
    await gazette.core.ingest.run();
    rmSync(a);
    rmSync(b);
    const empty = await gazette.core.ingest.run();
    assert.deepEqual(empty.removed, []);
    assert.equal((await listPublishedArticles(gazette.core.store.db, { now: gazette.core.clock.now(), limit: 10 })).length, 2);
    writeArticle(seedsDir, { slug: 'kept-a' });
    assert.deepEqual((await gazette.core.ingest.run()).removed, ['kept-b']);
  });
});

describe('ingestSeeds and files still being written', () => {
  it('ignores the temporary names editors, rsync and browsers write before renaming into place', async (t) => {
    const { config, seedsDir } = makeTestConfig(t);
    const gazette = await createGazette(config, { clock: new ManualClock('2026-01-10T12:00:00Z') });
    t.after(() => gazette.close());
    const temporary = [
      '.story.txt.a1B2c3',
      '.#story.txt',
      '#story.txt#',
      '~$story.txt',
      'story.txt~',
      'story.txt.tmp',
      '.story.txt.swp',
      'story.txt.part',
      'story.txt.crdownload',
      'drafts/.hidden/story.txt',
    ];
    for (const [i, file] of temporary.entries()) writeArticle(seedsDir, { slug: `temporary-${i}`, file });
    writeArticle(seedsDir, { slug: 'the-real-one', file: 'story.txt' });
    const report = await gazette.core.ingest.run();
    assert.deepEqual([report.scanned, report.added], [1, ['the-real-one']]);
  });

  it('the scan leaves a file changed within ingest.quietPeriodSeconds for a later scan, so a writer that pauses is not published half', async (t) => {
    // The default quiet period, from config/default.json.
    const { config, seedsDir } = makeTestConfig(t);
    assert.ok(config.ingest.quietPeriodSeconds >= 10);
    const clock = new ManualClock('2026-01-10T12:00:00Z');
    const gazette = await createGazette(config, { clock });
    t.after(() => gazette.close());
    // The first half, then a pause of five seconds before the rest arrives.
    const file = path.join(seedsDir, 'paused.txt');
    writeFileSync(file, '2026-01-09\npaused-writer\n\nThe first paragraph, written before the pause.\n');
    const paused = new Date(clock.now().getTime() - 5_000);
    utimesSync(file, paused, paused);
    assert.equal(await gazette.scheduler.runNow('scan'), 'ran');
    assert.equal(await findArticleBySlug(gazette.core.store.db, 'paused-writer'), undefined);
    await supertest(gazette.server.app).get('/articles/paused-writer').expect(404);
    // Quiet for longer than the period: read whole.
    writeFileSync(file, '2026-01-09\npaused-writer\n\nThe first paragraph, written before the pause.\n\nThe rest.\n');
    const quiet = new Date(clock.now().getTime() - (config.ingest.quietPeriodSeconds + 1) * 1000);
    utimesSync(file, quiet, quiet);
    assert.equal(await gazette.scheduler.runNow('scan'), 'ran');
    assert.equal((await findArticleBySlug(gazette.core.store.db, 'paused-writer'))?.paragraphs.length, 2);
  });
});
