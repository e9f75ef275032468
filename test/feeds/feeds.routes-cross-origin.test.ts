import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { listen, type RawResponse } from './feed-fixtures.ts';

async function setup(t: TestContext) {
  const { config, seedsDir } = makeTestConfig(t, { feeds: { size: 5, archivePageSize: 5 } });
  const gazette = await createGazette(config, { clock: new ManualClock('2026-03-01T12:00:00Z') });
  t.after(() => gazette.close());
  for (let day = 10; day <= 21; day++) writeArticle(seedsDir, { slug: `story-${day}`, date: `2026-01-${day}` });
  await gazette.core.ingest.run();
  const get = await listen(t, gazette.server.app);
  const stylesheet = /href="(\/assets\/site\.[^"]+\.css)"/.exec((await get('/')).body.toString())![1]!;
  return { gazette, get, stylesheet };
}

/** The subscription documents and an archive page of each format. */
const FEED_PATHS = [
  '/feed.xml',
  '/atom.xml',
  '/feed.json',
  '/feeds/archive/1.rss.xml',
  '/feeds/archive/1.atom.xml',
  '/feeds/archive/1.json',
];
const ORIGIN = { origin: 'https://reader.example.net' };

function assertReadableCrossOrigin(res: RawResponse, what: string): void {
  assert.equal(res.headers['access-control-allow-origin'], '*', what);
  assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', what);
  const exposed = String(res.headers['access-control-expose-headers'])
    .split(/,\s*/)
    .map((h) => h.toLowerCase());
  for (const header of ['etag', 'last-modified', 'link']) assert.ok(exposed.includes(header), `${what}: ${header} not exposed`);
  assert.equal(res.headers['access-control-allow-credentials'], undefined, `${what}: no credentials with *`);
}

describe('feeds and archive pages are readable from other origins', () => {
  it('GET, HEAD and a 304 carry Access-Control-Allow-Origin *, CORP cross-origin and the exposed validators', async (t) => {
    const { get } = await setup(t);
    for (const path of FEED_PATHS) {
      const res = await get(path, ORIGIN);
      assert.equal(res.status, 200, path);
      assertReadableCrossOrigin(res, `GET ${path}`);
      assertReadableCrossOrigin(await get(path, ORIGIN, 'HEAD'), `HEAD ${path}`);
      const notModified = await get(path, { ...ORIGIN, 'if-none-match': String(res.headers.etag) });
      assert.equal(notModified.status, 304, path);
      assertReadableCrossOrigin(notModified, `304 ${path}`);
    }
    const pastTheEnd = await get('/feeds/archive/9.atom.xml', ORIGIN);
    assert.equal(pastTheEnd.status, 404);
    assert.equal(pastTheEnd.headers['access-control-allow-origin'], '*', 'a reader in a page can tell a missing page from a network error');
  });

  it('answers a CORS preflight with 204, the methods and the conditional-request headers', async (t) => {
    const { get } = await setup(t);
    for (const path of FEED_PATHS) {
      const res = await get(
        path,
        { ...ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match,if-modified-since' },
        'OPTIONS',
      );
      assert.equal(res.status, 204, path);
      assert.equal(res.headers['access-control-allow-origin'], '*', path);
      assert.deepEqual(String(res.headers['access-control-allow-methods']).split(/,\s*/), ['GET', 'HEAD'], path);
      const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
      assert.ok(allowed.includes('if-none-match') && allowed.includes('if-modified-since'), `${path}: ${allowed.join()}`);
      assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS', path);
      assert.equal(res.body.length, 0);
    }
  });

  it('pages, the API and the stylesheet stay same-origin: no CORS headers, CORP same-origin, even on a preflight', async (t) => {
    const { get, stylesheet } = await setup(t);
    for (const path of ['/', '/articles/story-10', '/subscribe', '/api/openapi.json', '/healthz', stylesheet, '/nothing-here']) {
      const res = await get(path, ORIGIN);
      assert.equal(res.headers['access-control-allow-origin'], undefined, path);
      assert.equal(res.headers['access-control-expose-headers'], undefined, path);
      assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin', path);
      const preflight = await get(path, { ...ORIGIN, 'access-control-request-method': 'POST' }, 'OPTIONS');
      assert.equal(preflight.headers['access-control-allow-origin'], undefined, `OPTIONS ${path}`);
      assert.equal(preflight.headers['access-control-allow-methods'], undefined, `OPTIONS ${path}`);
    }
    const page = await get('/', ORIGIN);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
  });
});

describe('wrong methods on feeds, archive pages and the stylesheet', () => {
  it('answer 405 with Allow, in the usual error body', async (t) => {
    const { get, stylesheet } = await setup(t);
    for (const path of FEED_PATHS) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const res = await get(path, { accept: 'application/json' }, method);
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS', `${method} ${path}`);
        assert.equal(JSON.parse(res.body.toString()).error.code, 'MethodNotAllowed');
      }
    }
    const post = await get(stylesheet, { accept: 'application/json' }, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD, OPTIONS');
    const options = await get(stylesheet, {}, 'OPTIONS');
    assert.equal(options.status, 204);
    assert.equal(options.headers.allow, 'GET, HEAD, OPTIONS');
  });

  it('a path that is no feed stays 404 whatever the method', async (t) => {
    const { get } = await setup(t);
    for (const path of ['/feeds/archive/1.txt', '/feeds/archive/01.json', '/feed.xml.bak']) {
      assert.equal((await get(path, { accept: 'application/json' }, 'POST')).status, 404, path);
      assert.equal((await get(path, ORIGIN, 'OPTIONS')).headers['access-control-allow-origin'], undefined, `OPTIONS ${path}`);
    }
  });
});
