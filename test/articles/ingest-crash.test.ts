import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, it } from 'node:test';
import { INGEST_BATCH_FILES } from '../../src/articles/ingest.service.ts';
import { projectRoot } from '../../src/config/load-config.ts';
import { createInstantEditions } from '../../src/editions/edition.service.ts';
import { markMailingStart } from '../../src/editions/mailing-start.ts';
import { createGazette } from '../../src/main.ts';
import type { Db } from '../../src/store/database.ts';
import { writeArticle } from '../support/build-article.ts';
import { writeTestConfigFile } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';

/** Every seed-file record that holds a slug names a live article from that very file, and every live article has its record. */
async function assertConsistent(db: Db): Promise<void> {
  const records = await db.selectFrom('seed_files').select(['path', 'slug']).execute();
  const articles = await db.selectFrom('articles').select(['slug', 'source_file', 'deleted_at']).execute();
  const bySlug = new Map(articles.map((a) => [a.slug, a]));
  for (const r of records) {
    if (r.slug === null) continue;
    const article = bySlug.get(r.slug);
    assert.equal(article?.source_file, r.path, `${r.path} holds ${r.slug}`);
    assert.equal(article?.deleted_at, null);
  }
  const recorded = new Set(records.map((r) => r.path));
  for (const a of articles)
    if (a.deleted_at === null) assert.ok(recorded.has(a.source_file), `${a.slug}'s file ${a.source_file} has a record`);
}

async function assertFeedPlacesUnique(db: Db): Promise<number> {
  const places = (await db.selectFrom('articles').select('feed_seq').where('feed_seq', 'is not', null).execute()).map((r) => r.feed_seq);
  assert.equal(new Set(places).size, places.length, 'no feed place is given twice');
  return places.length;
}

describe('an ingest killed mid-way (kill -9)', () => {
  it('leaves whole batches written, and the next scan completes the store without a duplicate place or a second mailing', async (t) => {
    // The child logs each batch it commits (debug); this process stays quiet.
    const { configFile, config: childConfig } = writeTestConfigFile(t, { log: { level: 'debug' } });
    const config = { ...childConfig, log: { ...childConfig.log, level: 'silent' as const } };
    const { seedsDir } = config.paths;
    // Dated an hour ago: news, mailed (an article dated days before its ingest is an archive import).
    const date = new Date(Date.now() - 3600_000).toISOString().slice(0, 16) + 'Z';
    // Before: three articles published and mailed to instant subscribers.
    for (let i = 0; i < 3; i++) writeArticle(seedsDir, { slug: `old-${i}`, date });
    const before = await createGazette(config);
    await markMailingStart(before.core.store.db, new Date('2026-01-01T00:00:00Z'));
    await before.core.ingest.run();
    const oldEditions = await createInstantEditions(before.core.store.db, new Date());
    assert.equal(oldEditions.length, 3);
    await before.close();

    const count = INGEST_BATCH_FILES * 6;
    for (let i = 0; i < count; i++) writeArticle(seedsDir, { slug: `new-${i}`, file: `part-${i % 10}/new-${i}.txt`, date });
    writeArticle(seedsDir, { slug: 'old-1', date, paragraphs: ['Edited after it was mailed.'] });

    // `gazette ingest` in a real child process, killed with SIGKILL once it has committed a batch of new files.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), 'ingest', '--config', configFile], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill('SIGKILL'));
    const exited = once(child, 'exit');
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const progress = [...output.matchAll(/"read":(\d+),.*"msg":"ingest batch written"/g)].map((m) => Number(m[1]));
      if (progress.some((read) => read > INGEST_BATCH_FILES)) child.kill('SIGKILL');
    });
    const [code, signal] = (await exited) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL', `the ingest was killed, not finished (exit ${code}): ${output.slice(-500)}`);

    const after = await createGazette(config);
    t.after(() => after.close());
    const db = after.core.store.db;
    const written = (await db.selectFrom('seed_files').select('path').execute()).length;
    assert.ok(written > 3 && written < count + 3, `the store holds part of the scan: ${written} of ${count + 3} records`);
    assert.equal((written - 3) % INGEST_BATCH_FILES, 0, 'whole batches of new files only');
    await assertConsistent(db);
    // A server beside the dead ingest gives feed places to what it finds, before the rescan.
    await after.core.feeds.refresh();
    await assertFeedPlacesUnique(db);

    const rescan = await after.core.ingest.run();
    assert.equal(rescan.problems.length, 0);
    // The dead ingest wrote the edited file (its first batch: files that publish today) and whole batches of new ones.
    assert.equal(rescan.read, count - (written - 3), 'the rescan reads exactly the files the dead ingest did not write');
    assert.equal((await db.selectFrom('seed_files').select('path').execute()).length, count + 3);
    const live = await db.selectFrom('articles').select(['slug']).where('deleted_at', 'is', null).execute();
    assert.equal(live.length, count + 3);
    await assertConsistent(db);
    assert.equal(await assertFeedPlacesUnique(db), count + 3);
    const edited = await db.selectFrom('articles').select('body').where('slug', '=', 'old-1').executeTakeFirstOrThrow();
    assert.equal(edited.body, 'Edited after it was mailed.');

    // Every new article is mailed once to instant subscribers; the old ones (one edited) not again.
    const editions = await waitUntil(() => createInstantEditions(db, new Date()), 'instant editions');
    assert.equal(editions.length, count);
    const mailings = await db
      .selectFrom('edition_articles')
      .select((eb) => ['article_id', eb.fn.countAll<number>().as('n')])
      .where('frequency', '=', 'instant')
      .groupBy('article_id')
      .execute();
    assert.equal(mailings.length, count + 3);
    assert.ok(mailings.every((m) => Number(m.n) === 1));
    assert.equal((await createInstantEditions(db, new Date())).length, 0);
  });
});
