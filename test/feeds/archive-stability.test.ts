import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { extractFromJson } from '@extractus/feed-extractor';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { listen, parseWithRssParser } from './feed-fixtures.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';

async function setup(t: TestContext, articles: number) {
  const { config, seedsDir } = makeTestConfig(t, { feeds: { size: 20, archivePageSize: 25 } });
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  for (let n = 1; n <= articles; n++) writeArticle(seedsDir, { slug: `story-${String(n).padStart(2, '0')}`, date: dayOf2026(n) });
  await gazette.core.ingest.run();
  return { gazette, seedsDir, clock, get: await listen(t, gazette.server.app) };
}

/** Day n of 2026 as an ISO date, so story-01 is the oldest. */
function dayOf2026(n: number): string {
  return new Date(Date.UTC(2026, 0, n)).toISOString().slice(0, 10);
}

describe('RFC 5005 archive pages under back-dated additions and edits', () => {
  it('a back-dated article never moves an article of a page served as immutable: it enters the feed after everything already there', async (t) => {
    const { gazette, seedsDir, clock, get } = await setup(t, 61);
    const page1 = await get('/feeds/archive/1.rss.xml');
    assert.equal(page1.headers['cache-control'], IMMUTABLE);
    clock.advance(3_600_000);
    writeArticle(seedsDir, { slug: 'found-in-the-attic', date: '2023-05-01' });
    await gazette.core.ingest.run();

    const again = await get('/feeds/archive/1.rss.xml');
    assert.equal(again.headers['cache-control'], IMMUTABLE);
    assert.deepEqual(again.body, page1.body, 'page 1 changed a byte while served as immutable');
    assert.equal(again.headers.etag, page1.headers.etag);
    // Page 2 (never fetched before) holds what it held before the addition: stories 26 to 50.
    const page2 = await parseWithRssParser((await get('/feeds/archive/2.rss.xml')).body.toString());
    assert.deepEqual(
      page2.items.map((i) => i.link!.split('/').pop()).sort(),
      Array.from({ length: 25 }, (_, i) => `story-${i + 26}`),
    );
    // The back-dated article is in the newest page and in the subscription document, where a polling reader sees it.
    assert.match((await get('/feeds/archive/3.rss.xml')).body.toString(), /found-in-the-attic/);
    assert.match((await get('/feed.xml')).body.toString(), /found-in-the-attic/);
  });

  it('an edit to an old article reaches a reader who only polls the subscription document, and no immutable page changes', async (t) => {
    const { gazette, seedsDir, clock, get } = await setup(t, 60);
    const frozen = await Promise.all(
      ['rss.xml', 'atom.xml', 'json'].flatMap((ext) =>
        [1, 2].map(async (n) => ({ path: `/feeds/archive/${n}.${ext}`, res: await get(`/feeds/archive/${n}.${ext}`) })),
      ),
    );
    for (const { path, res } of frozen) assert.equal(res.headers['cache-control'], IMMUTABLE, path);
    clock.advance(86_400_000);
    writeArticle(seedsDir, { slug: 'story-05', date: dayOf2026(5), paragraphs: ['Corrected: the meeting was on Tuesday.'] });
    const report = await gazette.core.ingest.run({ minFileAgeMs: 0 });
    assert.deepEqual(report.updated, ['story-05']);

    const rss = await parseWithRssParser((await get('/feed.xml')).body.toString());
    const edited = rss.items.find((i) => i.link?.endsWith('/story-05'));
    assert.ok(edited, 'the edited article is in /feed.xml');
    assert.match(edited['content:encoded'] ?? edited.content ?? '', /Corrected: the meeting was on Tuesday\./);
    const atom = (await get('/atom.xml')).body.toString();
    assert.match(atom, /<entry>(?:(?!<\/entry>)[\s\S])*story-05(?:(?!<\/entry>)[\s\S])*<updated>2026-03-02T12:00:00\.000Z<\/updated>/);
    const json = extractFromJson((await get('/feed.json')).body.toString(), { normalization: false }) as {
      items: { id: string; date_modified?: string; content_html: string }[];
    };
    const item = json.items.find((i) => i.id.endsWith(':story-05'));
    assert.equal(item?.date_modified, '2026-03-02T12:00:00.000Z');
    assert.match(item?.content_html ?? '', /Corrected/);

    for (const { path, res } of frozen) {
      const now = await get(path);
      assert.equal(now.headers['cache-control'], IMMUTABLE, path);
      assert.deepEqual(now.body, res.body, `${path} changed a byte while served as immutable`);
    }
  });

  it('a full page stays frozen when the newest article goes back under embargo (places are never handed back)', async (t) => {
    const { config, seedsDir } = makeTestConfig(t, { feeds: { size: 5, archivePageSize: 5 } });
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    const gazette = await createGazette(config, { clock });
    t.after(() => gazette.close());
    for (let n = 1; n <= 6; n++) writeArticle(seedsDir, { slug: `story-${String(n).padStart(2, '0')}`, date: dayOf2026(n) });
    await gazette.core.ingest.run();
    const get = await listen(t, gazette.server.app);
    const page1 = await get('/feeds/archive/1.atom.xml');
    assert.equal(page1.headers['cache-control'], IMMUTABLE);
    clock.advance(60_000);
    // The only article of page 2 is edited to a date in the future: it leaves the feed until then.
    writeArticle(seedsDir, { slug: 'story-06', date: '2026-03-05', paragraphs: ['Postponed.'] });
    await gazette.core.ingest.run({ minFileAgeMs: 0 });
    // Another instance on the same store (nothing in its memory) serves the frozen page too.
    const other = await createGazette(config, { clock });
    t.after(() => other.close());
    for (const instance of [get, await listen(t, other.server.app)]) {
      const again = await instance('/feeds/archive/1.atom.xml');
      assert.equal(again.headers['cache-control'], IMMUTABLE);
      assert.deepEqual(again.body, page1.body);
    }
    assert.doesNotMatch((await get('/atom.xml')).body.toString(), /story-06/);
    clock.set('2026-03-05T00:00:00Z');
    assert.match((await get('/atom.xml')).body.toString(), /story-06/);
    assert.deepEqual((await get('/feeds/archive/1.atom.xml')).body, page1.body);
  });

  it('an article whose place could not be given (another process holds the SQLite write lock) enters the feed at the next refresh', async (t) => {
    const { config, seedsDir, dataDir } = makeTestConfig(t);
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    const gazette = await createGazette(config, { clock });
    t.after(() => gazette.close());
    writeArticle(seedsDir, { slug: 'already-out', date: '2026-02-01' });
    writeArticle(seedsDir, { slug: 'out-at-one', date: '2026-03-01T13:00:00Z' });
    await gazette.core.ingest.run();
    // Another process (a `gazette ingest` beside `serve`) holds the write lock when the embargo ends.
    const other = new Database(path.join(dataDir, 'gazette.sqlite'));
    t.after(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    clock.set('2026-03-01T13:00:00Z');
    await gazette.core.feeds.refresh();
    other.exec('COMMIT');
    await gazette.core.feeds.refresh();
    assert.match((await gazette.core.feeds.find('/feed.xml'))!.bodies.identity.toString(), /out-at-one/);
  });
});
