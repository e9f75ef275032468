import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import request from 'supertest';
import { writeArticle } from '../support/build-article.ts';
import { hrefsIn, startPagesGazette } from './page-test-setup.ts';

const FEEDS = [
  ['application/rss+xml', 'https://news.example.com/feed.xml'],
  ['application/atom+xml', 'https://news.example.com/atom.xml'],
  ['application/feed+json', 'https://news.example.com/feed.json'],
];

async function siteWithEveryKindOfPage(t: Parameters<typeof startPagesGazette>[0]) {
  const site = await startPagesGazette(t);
  writeArticle(site.seedsDir, { slug: 'kept' });
  const removed = writeArticle(site.seedsDir, { slug: 'removed' });
  await site.gazette.core.ingest.run();
  rmSync(removed);
  await site.gazette.core.ingest.run();
  return site;
}

/** Every kind of HTML page the site serves, with the status it must come with. */
const PAGES: [string, number][] = [
  ['/', 200],
  ['/articles/kept', 200],
  ['/articles/removed', 410],
  ['/articles/unknown', 404],
  ['/no/such/page', 404],
  ['/?page=zero', 400],
];

describe('every page', () => {
  it('advertises the three feeds with absolute URLs for autodiscovery', async (t) => {
    const { app } = await siteWithEveryKindOfPage(t);
    for (const [path, status] of PAGES) {
      const res = await request(app).get(path).set('Accept', 'text/html').expect(status);
      const head = res.text.slice(0, res.text.indexOf('</head>'));
      const links = [...head.matchAll(/<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">/g)].map((m) => [m[1], m[2]]);
      assert.deepEqual(links, FEEDS, path);
    }
  });

  it('carries security headers and a CSP that allows no script and only our own stylesheet', async (t) => {
    const { app } = await siteWithEveryKindOfPage(t);
    for (const [path, status] of PAGES) {
      const res = await request(app).get(path).set('Accept', 'text/html').expect(status);
      const csp = res.headers['content-security-policy'] as string;
      const directives = new Map(
        csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([name, ...values]) => [name, values.join(' ')]),
      );
      assert.equal(directives.get('default-src'), "'none'", path);
      assert.equal(directives.get('style-src'), "'self'", path);
      assert.equal(directives.get('form-action'), "'self'", path);
      assert.equal(directives.get('frame-ancestors'), "'none'", path);
      assert.equal(directives.has('script-src'), false, path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', path);
      assert.match(res.headers['strict-transport-security'] as string, /max-age=31536000/, path);
      assert.equal(res.headers['x-powered-by'], undefined, path);
      assert.doesNotMatch(res.text, /<script|<style| style=/, `${path}: no inline script or style`);
    }
  });

  it('links a content-hashed stylesheet that is served with a year-long cache, gzipped on request', async (t) => {
    const { app } = await startPagesGazette(t);
    const home = await request(app).get('/').expect(200);
    const [href] = hrefsIn(home.text, /<link rel="stylesheet" href="([^"]+)">/g);
    assert.match(href!, /^\/assets\/site\.[\w-]{12}\.css$/);
    const css = await request(app)
      .get(href!)
      .set('Accept-Encoding', 'identity')
      .expect(200)
      .expect('Content-Type', 'text/css; charset=utf-8');
    assert.equal(css.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(css.text, /prefers-color-scheme: dark/);
    // supertest inflates the body itself, so equal text proves the gzip bytes are sound.
    const gz = await request(app)
      .get(href!)
      .set('Accept-Encoding', 'gzip')
      .expect(200)
      .expect('Content-Encoding', 'gzip')
      .expect('Vary', 'Accept-Encoding');
    assert.equal(gz.text, css.text);
    await request(app)
      .get(href!)
      .set('If-None-Match', css.headers.etag as string)
      .expect(304);
    await request(app).get('/assets/site.000000000000.css').expect(404);
  });

  it('sends HSTS only when the site is served over HTTPS', async (t) => {
    const { app } = await startPagesGazette(t, { site: { baseUrl: 'http://localhost:8080' } });
    const res = await request(app).get('/').expect(200);
    assert.equal(res.headers['strict-transport-security'], undefined);
    assert.doesNotMatch(res.headers['content-security-policy'] as string, /upgrade-insecure-requests/);
  });
});

describe('the 404 page', () => {
  it('is an HTML page for browsers and JSON for API clients', async (t) => {
    const { app } = await startPagesGazette(t);
    const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const page = await request(app)
      .get('/missing')
      .set('Accept', browserAccept)
      .expect(404)
      .expect('Content-Type', /text\/html/);
    assert.match(page.text, /^<!doctype html>/);
    assert.match(page.text, /<h1>Page not found<\/h1>/);
    assert.match(page.text, /<meta name="robots" content="noindex">/);
    assert.match(page.text, /<a href="\/">Go to the latest articles<\/a>/);
    const api = await request(app)
      .get('/missing')
      .set('Accept', 'application/json')
      .expect(404)
      .expect('Content-Type', /application\/json/);
    assert.deepEqual(api.body, { error: { code: 'NotFound', message: 'Nothing is published at /missing.' } });
  });

  it('escapes the requested path it repeats', async (t) => {
    const { app } = await startPagesGazette(t);
    // Express leaves percent-escapes in req.path; the characters a path may carry bare must be escaped.
    const page = await request(app).get(`/tom&jerry's"`).set('Accept', 'text/html').expect(404);
    assert.ok(page.text.includes('<p>Nothing is published at /tom&amp;jerry&#x27;s%22.</p>'));
  });
});
