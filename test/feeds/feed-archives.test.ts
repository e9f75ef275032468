import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { extractFromJson } from '@extractus/feed-extractor';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { assertWellFormedXml, listen, parseWithRssParser, type RawResponse } from './feed-fixtures.ts';

const ARTICLES = 23;
const PAGE = 5;

async function setup(t: TestContext) {
  const { config, seedsDir } = makeTestConfig(t, { feeds: { size: 5, archivePageSize: PAGE } });
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  const slugs: string[] = [];
  for (let day = 1; day <= ARTICLES; day++) {
    const slug = `story-${String(day).padStart(2, '0')}`;
    writeArticle(seedsDir, { slug, date: `2026-01-${String(day).padStart(2, '0')}` });
    slugs.push(slug);
  }
  await gazette.core.ingest.run();
  return { gazette, seedsDir, clock, slugs, get: await listen(t, gazette.server.app) };
}

function expectedId(slug: string): string {
  return `tag:news.example.com,2026-01-${slug.slice(-2)}:${slug}`;
}

/** Follows prev-archive links from the subscription document, as an RFC 5005 client does. */
async function walkXml(
  get: (p: string) => Promise<RawResponse>,
  start: string,
  rel: RegExp,
): Promise<{ ids: Set<string>; responses: RawResponse[] }> {
  const ids = new Set<string>();
  const responses: RawResponse[] = [];
  let next: string | undefined = start;
  while (next) {
    const res = await get(new URL(next).pathname);
    assert.equal(res.status, 200, next);
    const xml = res.body.toString();
    assertWellFormedXml(xml);
    for (const item of (await parseWithRssParser(xml)).items) ids.add(item.guid ?? item.id);
    responses.push(res);
    next = rel.exec(xml)?.[1];
  }
  return { ids, responses };
}

describe('RFC 5005 archive pages', () => {
  it('let an RSS reader walk back to every article ever published', async (t) => {
    const { get, slugs } = await setup(t);
    const { ids, responses } = await walkXml(get, 'https://news.example.com/feed.xml', /<atom:link href="([^"]+)" rel="prev-archive"/);
    assert.deepEqual([...ids].sort(), slugs.map(expectedId).sort());
    assert.equal(responses.length, 1 + Math.ceil(ARTICLES / PAGE));
    const archives = responses.slice(1);
    assert.match(archives[0]!.body.toString(), /<fh:archive xmlns:fh="http:\/\/purl.org\/syndication\/history\/1.0"\/>/);
    assert.match(archives[0]!.body.toString(), /href="https:\/\/news.example.com\/feed.xml" rel="current"/);
    // The newest page may still grow; every full page before it never changes.
    assert.equal(archives[0]!.headers['cache-control'], 'public, max-age=900');
    for (const page of archives.slice(1)) assert.equal(page.headers['cache-control'], 'public, max-age=31536000, immutable');
  });

  it('let an Atom reader walk back, with next-archive links forward again', async (t) => {
    const { get, slugs } = await setup(t);
    const { ids, responses } = await walkXml(
      get,
      'https://news.example.com/atom.xml',
      /<link rel="prev-archive" type="application\/atom\+xml" href="([^"]+)"/,
    );
    assert.deepEqual([...ids].sort(), slugs.map(expectedId).sort());
    const oldest = responses.at(-1)!.body.toString();
    assert.match(
      oldest,
      /<link rel="next-archive" type="application\/atom\+xml" href="https:\/\/news.example.com\/feeds\/archive\/2.atom.xml"\/>/,
    );
    assert.doesNotMatch(oldest, /prev-archive/);
    assert.match(oldest, /story-01/);
  });

  it('let a JSON Feed reader page back with next_url', async (t) => {
    const { get, slugs } = await setup(t);
    const ids = new Set<string>();
    let next: string | undefined = 'https://news.example.com/feed.json';
    while (next) {
      const res = await get(new URL(next).pathname);
      assert.equal(res.status, 200);
      const json = res.body.toString();
      for (const entry of extractFromJson(json).entries ?? []) ids.add(entry.id);
      next = (JSON.parse(json) as { next_url?: string }).next_url;
    }
    assert.deepEqual([...ids].sort(), slugs.map(expectedId).sort());
  });

  it('keeps full pages byte for byte when a new article arrives or an old one is deleted', async (t) => {
    const { gazette, seedsDir, clock, get } = await setup(t);
    const before = await Promise.all([1, 2, 3, 4, 5].map((n) => get(`/feeds/archive/${n}.atom.xml`)));
    clock.advance(3_600_000);
    writeArticle(seedsDir, { slug: 'story-24', date: '2026-01-24' });
    rmSync(path.join(seedsDir, 'story-03.txt'));
    await gazette.core.ingest.run();
    const after = await Promise.all([1, 2, 3, 4, 5].map((n) => get(`/feeds/archive/${n}.atom.xml`)));
    // Pages 1-4 were served as immutable: frozen, the deleted article's old entry included (its page answers 410).
    for (const n of [0, 1, 2, 3]) assert.deepEqual(after[n]!.body, before[n]!.body, `page ${n + 1} kept its bytes`);
    assert.match(after[4]!.body.toString(), /story-24/);
    assert.match((await get('/atom.xml')).body.toString(), /story-24/);
  });

  it('answers 404 beyond the last page and for malformed page names', async (t) => {
    const { get } = await setup(t);
    for (const p of [
      '/feeds/archive/6.rss.xml',
      '/feeds/archive/0.atom.xml',
      '/feeds/archive/01.json',
      '/feeds/archive/1.xml',
      '/feeds/archive/-1.json',
    ]) {
      assert.equal((await get(p)).status, 404, p);
    }
  });
});
