import assert from 'node:assert/strict';
import { rmSync, utimesSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { extractFromJson } from '@extractus/feed-extractor';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { assertWellFormedXml, listen, parseWithRssParser } from './feed-fixtures.ts';

async function setup(t: TestContext, overrides: Record<string, never> = {}) {
  const { config, seedsDir } = makeTestConfig(t, overrides);
  const clock = new ManualClock('2026-01-10T12:00:00Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  const get = await listen(t, gazette.server.app);
  return { gazette, seedsDir, clock, get };
}

const feeds = [
  { path: '/feed.xml', type: 'application/rss+xml; charset=utf-8' },
  { path: '/atom.xml', type: 'application/atom+xml; charset=utf-8' },
  { path: '/feed.json', type: 'application/feed+json; charset=utf-8' },
];

describe('GET /feed.xml, /atom.xml, /feed.json', () => {
  it('serves each format with its media type, caching headers and hostile seed text intact', async (t) => {
    const { gazette, seedsDir, get } = await setup(t);
    writeArticle(seedsDir, {
      slug: 'hostile-seed',
      date: '5 January 2026',
      paragraphs: ['Text with ]]> and ]]> again <script>x</script> & \u0001bell.', 'Second.'],
    });
    await gazette.core.ingest.run();
    for (const { path, type } of feeds) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], type);
      assert.equal(res.headers['cache-control'], 'public, max-age=900');
      assert.equal(res.headers.vary, 'Accept-Encoding');
      assert.equal(res.headers.expires, undefined);
      assert.match(String(res.headers.etag), /^"[\w-]+"$/);
      assert.ok(res.headers['last-modified']);
      assert.equal(res.headers.link, `<https://news.example.com${path}>; rel="self"`);
    }
    const rss = (await get('/feed.xml')).body.toString();
    assertWellFormedXml(rss);
    const item = (await parseWithRssParser(rss)).items[0]!;
    assert.equal(
      item['content:encoded'],
      '<p>Text with ]]&gt; and ]]&gt; again &lt;script&gt;x&lt;/script&gt; &amp; bell.</p>\n<p>Second.</p>',
    );
    assert.equal(item.link, 'https://news.example.com/articles/hostile-seed');
    const atom = (await get('/atom.xml')).body.toString();
    assertWellFormedXml(atom);
    assert.equal((await parseWithRssParser(atom)).items[0]!.id, 'tag:news.example.com,2026-01-05:hostile-seed');
    assert.equal(
      extractFromJson((await get('/feed.json')).body.toString()).entries?.[0]?.id,
      'tag:news.example.com,2026-01-05:hostile-seed',
    );
  });

  it('answers 304 to If-None-Match and If-Modified-Since, repeating the validators; If-None-Match wins', async (t) => {
    const { gazette, seedsDir, get } = await setup(t);
    writeArticle(seedsDir, { slug: 'cached', date: '5 January 2026' });
    await gazette.core.ingest.run();
    const first = await get('/atom.xml');
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    const byEtag = await get('/atom.xml', { 'if-none-match': etag });
    assert.equal(byEtag.status, 304);
    assert.equal(byEtag.body.length, 0);
    assert.equal(byEtag.headers.etag, etag);
    assert.equal(byEtag.headers['cache-control'], 'public, max-age=900');
    assert.equal(byEtag.headers.vary, 'Accept-Encoding');
    assert.equal(byEtag.headers['last-modified'], undefined, 'a 304 with an ETag carries no other metadata (RFC 9110 15.4.5)');
    assert.equal((await get('/atom.xml', { 'if-none-match': `"other", W/${etag}` })).status, 304);
    assert.equal((await get('/atom.xml', { 'if-modified-since': lastModified })).status, 304);
    assert.equal((await get('/atom.xml', { 'if-modified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' })).status, 200);
    assert.equal(
      (await get('/atom.xml', { 'if-none-match': '"stale"', 'if-modified-since': 'Fri, 01 Jan 2100 00:00:00 GMT' })).status,
      200,
    );
    assert.equal((await get('/atom.xml', { 'if-modified-since': 'not a date' })).status, 200);
  });

  it('sends gzip and brotli compressed once, decoding to the same bytes, and honours q=0', async (t) => {
    const { gazette, seedsDir, get } = await setup(t);
    writeArticle(seedsDir, { slug: 'compressed', date: '5 January 2026' });
    await gazette.core.ingest.run();
    const plain = await get('/feed.xml');
    assert.equal(plain.headers['content-encoding'], undefined);
    const gzip = await get('/feed.xml', { 'accept-encoding': 'gzip, deflate' });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gzip.body), plain.body);
    const br = await get('/feed.xml', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.deepEqual(brotliDecompressSync(br.body), plain.body);
    assert.equal(Number(br.headers['content-length']), br.body.length);
    assert.notEqual(gzip.headers.etag, plain.headers.etag);
    assert.notEqual(br.headers.etag, gzip.headers.etag);
    assert.equal((await get('/feed.xml', { 'accept-encoding': 'br;q=0, gzip' })).headers['content-encoding'], 'gzip');
    assert.equal((await get('/feed.xml', { 'accept-encoding': 'br;q=0, gzip;q=0' })).headers['content-encoding'], undefined);
    assert.equal(
      (await get('/feed.xml', { 'if-none-match': String(br.headers.etag) })).status,
      304,
      'any coding of the same bytes validates',
    );
  });

  it('answers HEAD with the headers of GET and no body', async (t) => {
    const { gazette, seedsDir, get } = await setup(t);
    writeArticle(seedsDir, { slug: 'headed', date: '5 January 2026' });
    await gazette.core.ingest.run();
    const full = await get('/feed.json');
    const head = await get('/feed.json', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    for (const h of ['content-type', 'content-length', 'etag', 'last-modified', 'cache-control', 'vary'])
      assert.equal(head.headers[h], full.headers[h], h);
  });

  it('changes ETag and Last-Modified together with the bytes, and neither when nothing changed', async (t) => {
    const { gazette, seedsDir, clock, get } = await setup(t);
    writeArticle(seedsDir, { slug: 'first', date: '5 January 2026' });
    await gazette.core.ingest.run();
    const before = await get('/feed.xml');
    await gazette.core.ingest.run();
    const same = await get('/feed.xml');
    assert.equal(same.headers.etag, before.headers.etag);
    assert.equal(same.headers['last-modified'], before.headers['last-modified']);
    clock.advance(60_000);
    writeArticle(seedsDir, { slug: 'second', date: '6 January 2026' });
    await gazette.core.ingest.run();
    const after = await get('/feed.xml');
    assert.notDeepEqual(after.body, before.body);
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.notEqual(after.headers['last-modified'], before.headers['last-modified']);
    assert.equal((await get('/feed.xml', { 'if-modified-since': String(before.headers['last-modified']) })).status, 200);
  });

  it('drops a deleted article from the feed and moves both validators', async (t) => {
    const { gazette, seedsDir, clock, get } = await setup(t);
    writeArticle(seedsDir, { slug: 'stays', date: '6 January 2026' });
    const doomed = writeArticle(seedsDir, { slug: 'doomed', date: '5 January 2026' });
    await gazette.core.ingest.run();
    const before = await get('/feed.xml');
    assert.match(before.body.toString(), /doomed/);
    clock.advance(60_000);
    rmSync(doomed);
    await gazette.core.ingest.run();
    const after = await get('/feed.xml');
    assert.doesNotMatch(after.body.toString(), /doomed/);
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.notEqual(after.headers['last-modified'], before.headers['last-modified']);
    assert.doesNotMatch((await get('/feeds/archive/1.rss.xml')).body.toString(), /doomed/);
  });

  it('publishes an embargoed article when its time comes, without another ingest', async (t) => {
    const { gazette, seedsDir, clock, get } = await setup(t);
    writeArticle(seedsDir, { slug: 'now-public', date: '5 January 2026' });
    writeArticle(seedsDir, { slug: 'embargoed', date: '2026-01-12T09:00Z' });
    await gazette.core.ingest.run();
    const before = await get('/atom.xml');
    assert.doesNotMatch(before.body.toString(), /embargoed/);
    clock.set('2026-01-12T08:59:59Z');
    assert.doesNotMatch((await get('/atom.xml')).body.toString(), /embargoed/);
    clock.set('2026-01-12T09:00:00Z');
    const after = await get('/atom.xml');
    assert.match(after.body.toString(), /<id>tag:news.example.com,2026-01-12:embargoed<\/id>/);
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.notEqual(after.headers['last-modified'], before.headers['last-modified']);
  });

  it('renders the same bytes from the same seeds in two separate stores', async (t) => {
    const one = await setup(t);
    const two = await setup(t);
    for (const { seedsDir } of [one, two]) {
      writeArticle(seedsDir, { slug: 'same-a', date: '5 January 2026' });
      const file = writeArticle(seedsDir, { slug: 'same-b', date: '6 January 2026' });
      utimesSync(file, new Date('2026-01-06T00:00:00Z'), new Date('2026-01-06T00:00:00Z'));
    }
    await one.gazette.core.ingest.run();
    await two.gazette.core.ingest.run();
    for (const { path } of feeds) assert.deepEqual((await one.get(path)).body, (await two.get(path)).body, path);
  });
});
