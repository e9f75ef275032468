import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { headerLines, requestViaNginx, startNginx, type ProxiedRequest } from '../support/nginx.ts';
import { listenRecording } from '../support/recording-listener.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';

const ADMIN_TOKEN = 'nginx-test-admin-token-0123456789';
const ARTICLES = 11;

/**
 * deploy/nginx/gazette.conf, as shipped (only its marked values filled in), run by Debian's nginx
 * in front of a Gazette that believes X-Forwarded-For from loopback only, with 11 articles: a
 * subscription feed of 5 and archive pages of 5 (the first two full, hence immutable). Every
 * request that reaches Gazette is recorded, so the test sees what nginx's cache let through.
 */
async function startProxiedGazette(t: TestContext) {
  let app: RequestListener = (_req, res) => res.writeHead(503).end();
  const upstream = await listenRecording(t, (req, res) => app(req, res));
  // Feeds expire from nginx's cache after 1 s here instead of the shipped 10 s.
  const proxy = await startNginx(t, { upstreamPort: upstream.port, feedFreshness: '1s' });
  const { config, seedsDir } = makeTestConfig(t, {
    site: { baseUrl: proxy.httpsOrigin },
    server: { trustProxy: 'loopback' },
    admin: { token: ADMIN_TOKEN },
    feeds: { size: 5, archivePageSize: 5 },
    subscriptions: { maxSubscribesPerIpPerHour: 2 },
  });
  const gazette = await createGazette(config, { clock: new ManualClock('2026-02-10T12:00:00Z') });
  t.after(() => gazette.close());
  for (let day = 1; day <= ARTICLES; day++) writeArticle(seedsDir, { slug: `article-${day}`, date: `${day} January 2026` });
  await gazette.core.ingest.run();
  app = gazette.server.app;
  const get = (path: string, options: ProxiedRequest = {}) => requestViaNginx(proxy, path, options);
  return { gazette, proxy, upstream, seedsDir, get };
}

function cacheStatus(response: { headers: Record<string, unknown> }): unknown {
  return response.headers['x-cache-status'];
}

describe('Gazette behind nginx with deploy/nginx/gazette.conf', () => {
  it('caches a feed, revalidates it with the ETag, and passes a changed feed on after revalidation', async (t) => {
    const { gazette, upstream, seedsDir, get } = await startProxiedGazette(t);
    const gzip = { headers: { 'Accept-Encoding': 'gzip' } };
    const first = await get('/feed.xml', gzip);
    assert.equal(first.status, 200);
    assert.equal(cacheStatus(first), 'MISS');
    assert.equal((await get('/feed.xml', gzip)).headers['x-cache-status'], 'HIT');
    const busted = await get('/feed.xml?nocache=1', gzip);
    assert.equal(cacheStatus(busted), 'HIT', 'a query string (which Gazette ignores) does not bypass the cache');
    assert.equal(upstream.seenFor('/feed.xml').length, 1, 'the later requests were answered from the cache');

    const revalidated = await waitUntil(async () => {
      const r = await get('/feed.xml', gzip);
      return cacheStatus(r) === 'REVALIDATED' && r;
    }, 'nginx revalidating the feed once its 1 s are up');
    assert.equal(revalidated.status, 200);
    assert.deepEqual(revalidated.body, first.body, 'the client gets the cached bytes');
    const atGazette = upstream.seenFor('/feed.xml');
    assert.equal(atGazette.length, 2, 'the polls in between were cache hits');
    assert.equal(atGazette[1]!.headers['if-none-match'], first.headers.etag, "nginx asks with Gazette's ETag");
    assert.equal(atGazette[1]!.status, 304);

    writeArticle(seedsDir, { slug: 'fresh-news', date: '9 February 2026' });
    await gazette.core.ingest.run();
    const changed = await waitUntil(async () => {
      const r = await get('/feed.xml', gzip);
      return gunzipSync(r.body).toString().includes('/articles/fresh-news') && r;
    }, 'the new article in the feed through nginx');
    assert.equal(cacheStatus(changed), 'EXPIRED', 'fetched again after a conditional request that Gazette answered 200');
    const last = upstream.seenFor('/feed.xml').at(-1)!;
    assert.equal(last.headers['if-none-match'], first.headers.etag);
    assert.equal(last.status, 200);
    assert.notEqual(changed.headers.etag, first.headers.etag);

    const conditional = (etag: string) => get('/feed.xml', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': etag } });
    const current = await conditional(String(changed.headers.etag));
    assert.equal(current.status, 304, 'a reader with the new copy gets 304 from the cache');
    assert.equal(current.body.length, 0);
    const outdated = await conditional(String(first.headers.etag));
    assert.equal(outdated.status, 200, 'a reader with the old copy gets the new one');
    assert.match(gunzipSync(outdated.body).toString(), /fresh-news/);
  });

  it('keeps immutable archive pages in the cache past the feeds’ freshness', async (t) => {
    const { upstream, get } = await startProxiedGazette(t);
    const page = '/feeds/archive/1.atom.xml';
    const first = await get(page);
    assert.equal(first.status, 200);
    assert.equal(first.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(cacheStatus(first), 'MISS');
    // Proof that more than the feeds' freshness has passed: the feed needed revalidating.
    await get('/atom.xml');
    await waitUntil(async () => cacheStatus(await get('/atom.xml')) === 'REVALIDATED', 'the subscription feed revalidated');
    const again = await get(page);
    assert.equal(cacheStatus(again), 'HIT');
    assert.deepEqual(again.body, first.body);
    assert.equal(upstream.seenFor(page).length, 1, 'Gazette was asked for the archive page once');
  });

  it('passes gzip and brotli through once, keeps Vary, and never serves a compressed copy to a client that did not ask', async (t) => {
    const { upstream, get } = await startProxiedGazette(t);
    const gzipped = await get('/feed.json', { headers: { 'Accept-Encoding': 'gzip, deflate' } });
    assert.equal(cacheStatus(gzipped), 'MISS');
    assert.deepEqual(headerLines(gzipped, 'content-encoding'), ['gzip']);
    assert.deepEqual(headerLines(gzipped, 'vary'), ['Accept-Encoding'], 'one Vary, not one from Gazette and one from nginx');
    const document = gunzipSync(gzipped.body).toString();
    assert.equal(JSON.parse(document).version, 'https://jsonfeed.org/version/1.1', 'one layer of gzip around the feed');

    for (let i = 0; i < 2; i++) {
      const plain = await get('/feed.json');
      assert.equal(cacheStatus(plain), i === 0 ? 'MISS' : 'HIT', 'a separate cached copy for clients without Accept-Encoding');
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.body.toString(), document);
      assert.deepEqual(headerLines(plain, 'vary'), ['Accept-Encoding']);
    }
    const again = await get('/feed.json', { headers: { 'Accept-Encoding': 'gzip, deflate' } });
    assert.equal(cacheStatus(again), 'HIT');
    assert.deepEqual(again.body, gzipped.body);
    const brotli = await get('/feed.json', { headers: { 'Accept-Encoding': 'br' } });
    assert.deepEqual(headerLines(brotli, 'content-encoding'), ['br']);
    assert.equal(brotliDecompressSync(brotli.body).toString(), document);
    assert.deepEqual(
      upstream.seenFor('/feed.json').map((r) => r.headers['accept-encoding']),
      ['gzip, deflate', undefined, 'br'],
      'Gazette chose the coding from what each client sent',
    );

    // Gazette compresses its stylesheet itself, once; pages are left uncompressed (the config's gzip off).
    const home = await get('/', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(home.status, 200);
    assert.equal(home.headers['content-encoding'], undefined);
    const stylesheet = /<link rel="stylesheet" href="([^"]+)"/.exec(home.body.toString())?.[1];
    assert.ok(stylesheet, 'the home page links its stylesheet');
    const css = await get(stylesheet, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.deepEqual(headerLines(css, 'content-encoding'), ['gzip']);
    assert.deepEqual(headerLines(css, 'vary'), ['Accept-Encoding']);
    const inside = gunzipSync(css.body);
    assert.notDeepEqual([...inside.subarray(0, 2)], [0x1f, 0x8b], 'not gzip inside gzip');
    assert.match(inside.toString(), /\{[^}]*\}/, 'CSS inside one layer of gzip');
  });

  it('counts each client address in the rate limits, whatever X-Forwarded-For the client sends', async (t) => {
    const { gazette, get } = await startProxiedGazette(t);
    const subscribe = (email: string, localAddress: string, spoof?: string) =>
      get('/subscribe', {
        method: 'POST',
        localAddress,
        headers: { 'Content-Type': 'application/json', ...(spoof ? { 'X-Forwarded-For': spoof } : {}) },
        body: JSON.stringify({ email, consent: true }),
      });
    assert.equal((await subscribe('one@example.com', '127.0.0.2')).status, 202);
    assert.equal((await subscribe('two@example.com', '127.0.0.2', '198.51.100.7')).status, 202);
    const limited = await subscribe('three@example.com', '127.0.0.2');
    assert.equal(limited.status, 429, 'the third sign-up from 127.0.0.2 this hour');
    for (const spoof of ['198.51.100.8', '198.51.100.9, 203.0.113.5', '127.0.0.9'])
      assert.equal((await subscribe('four@example.com', '127.0.0.2', spoof)).status, 429, `X-Forwarded-For: ${spoof} changes nothing`);
    assert.equal((await subscribe('other@example.com', '127.0.0.3')).status, 202, 'another client is not limited');

    const consents = await gazette.core.store.db
      .selectFrom('subscription_confirmations as c')
      .innerJoin('subscribers as s', 's.id', 'c.subscriber_id')
      .select(['s.email', 'c.consent_ip'])
      .orderBy('s.email')
      .execute();
    assert.deepEqual(consents, [
      { email: 'one@example.com', consent_ip: '127.0.0.2' },
      { email: 'other@example.com', consent_ip: '127.0.0.3' },
      { email: 'two@example.com', consent_ip: '127.0.0.2' },
    ]);
  });

  it('serves HTTPS with one HSTS header and https links, and redirects plain HTTP', async (t) => {
    const { proxy, upstream, get } = await startProxiedGazette(t);
    const home = await get('/');
    assert.equal(home.status, 200);
    assert.deepEqual(headerLines(home, 'strict-transport-security'), ['max-age=31536000']);
    const html = home.body.toString();
    assert.match(html, new RegExp(`<link rel="alternate" type="application/rss\\+xml" [^>]*href="${proxy.httpsOrigin}/feed.xml"`));
    assert.doesNotMatch(html, /http:\/\/(localhost|127\.0\.0\.1)/, 'no plain-http link to ourselves');
    assert.equal(upstream.seenFor('/').at(-1)!.headers['x-forwarded-proto'], 'https');

    for (let i = 0; i < 2; i++) {
      const feed = await get('/atom.xml');
      assert.equal(cacheStatus(feed), i === 0 ? 'MISS' : 'HIT');
      assert.deepEqual(headerLines(feed, 'strict-transport-security'), ['max-age=31536000'], 'once, from the cache too');
      assert.deepEqual(headerLines(feed, 'link'), [`<${proxy.httpsOrigin}/atom.xml>; rel="self"`]);
      assert.deepEqual(headerLines(feed, 'access-control-allow-origin'), ['*'], 'readable by feed readers in web pages');
      assert.match(feed.body.toString(), new RegExp(`<link rel="self" href="${proxy.httpsOrigin}/atom.xml"`));
    }

    const redirect = await get('/feed.xml?x=1', { plain: true });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, 'https://localhost/feed.xml?x=1');
  });

  it('lets a large CSV import through on the admin import route only', async (t) => {
    const { gazette, upstream, get } = await startProxiedGazette(t);
    const notes = 'n'.repeat(2000);
    const rows = Array.from({ length: 1500 }, (_, i) => `reader${i}@example.com,${notes}`);
    const csv = `email,notes\n${rows.join('\n')}\n`;
    assert.ok(csv.length > 3_000_000, 'about 3 MB');
    const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    const imported = await get('/api/subscribers/import', {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'text/csv' },
      body: csv,
    });
    assert.equal(imported.status, 200, imported.body.toString().slice(0, 300));
    assert.deepEqual(JSON.parse(imported.body.toString()).imported, 1500);
    const stored = await gazette.core.store.db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), 1500);

    const before = upstream.seen.length;
    for (const [path, headers] of [
      ['/subscribe', { 'Content-Type': 'application/json' }],
      ['/api/subscribers', { ...admin, 'Content-Type': 'application/json' }],
      ['/api/subscribers/import/', { ...admin, 'Content-Type': 'text/csv' }],
    ] as const) {
      const refused = await get(path, { method: 'POST', headers, body: csv });
      assert.equal(refused.status, 413, path);
      assert.match(refused.body.toString(), /<center>nginx<\/center>/, `${path}: refused by nginx`);
    }
    assert.equal(upstream.seen.length, before, 'none of them reached Gazette');

    // Within nginx's limit, Gazette's own (4 KB for public forms) still answers, in its own words.
    const overGazette = await get('/subscribe', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'big@example.com', consent: true, padding: 'x'.repeat(10_000) }),
    });
    assert.equal(overGazette.status, 413);
    assert.equal(JSON.parse(overGazette.body.toString()).error.code, 'PayloadTooLarge');
  });
});
