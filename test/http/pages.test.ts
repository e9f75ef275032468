import assert from 'node:assert/strict';
import { rmSync, utimesSync } from 'node:fs';
import { describe, it } from 'node:test';
import request from 'supertest';
import { writeArticle } from '../support/build-article.ts';
import { hrefsIn, startPagesGazette } from './page-test-setup.ts';

const articleLinks = /<h2><a href="([^"]+)">/g;

/** Moves a file's mtime ahead so the next ingest sees it as changed even within the same millisecond. */
function touch(file: string): void {
  const later = new Date(Date.now() + 5000);
  utimesSync(file, later, later);
}

describe('home page', () => {
  it('lists published articles newest first, a page at a time, with newer/older links', async (t) => {
    const { gazette, app, seedsDir } = await startPagesGazette(t, { pages: { pageSize: 2 } });
    for (const day of [1, 5, 3, 2, 4]) writeArticle(seedsDir, { slug: `day-${day}`, date: `${day} January 2026` });
    await gazette.core.ingest.run();

    const first = await request(app)
      .get('/')
      .expect(200)
      .expect('Content-Type', /text\/html; charset=utf-8/);
    assert.deepEqual(hrefsIn(first.text, articleLinks), ['/articles/day-5', '/articles/day-4']);
    assert.deepEqual(hrefsIn(first.text, /rel="next" href="([^"]+)"/g), ['/?page=2']);
    assert.doesNotMatch(first.text, /rel="prev"/);

    const second = await request(app).get('/?page=2').expect(200);
    assert.deepEqual(hrefsIn(second.text, articleLinks), ['/articles/day-3', '/articles/day-2']);
    assert.deepEqual(hrefsIn(second.text, /rel="prev" href="([^"]+)"/g), ['/']);
    assert.deepEqual(hrefsIn(second.text, /rel="next" href="([^"]+)"/g), ['/?page=3']);

    const last = await request(app).get('/?page=3').expect(200);
    assert.deepEqual(hrefsIn(last.text, articleLinks), ['/articles/day-1']);
    assert.doesNotMatch(last.text, /rel="next"/);
  });

  it('shows each article with its date in the site timezone and language, and its summary', async (t) => {
    const { gazette, app, seedsDir } = await startPagesGazette(t, { site: { language: 'en-GB', timezone: 'America/New_York' } });
    writeArticle(seedsDir, { slug: 'late-night', date: '2026-01-05T03:00:00Z', paragraphs: ['The summary paragraph.', 'More.'] });
    await gazette.core.ingest.run();
    const home = await request(app).get('/').expect(200);
    // 03:00 UTC on the 5th is still the 4th in New York.
    assert.match(home.text, /<time datetime="2026-01-05T03:00:00.000Z">4 January 2026<\/time>/);
    assert.match(home.text, /<p>The summary paragraph\.<\/p>/);
    assert.match(home.text, /<html lang="en-GB">/);
  });

  it('answers a malformed page number with 400 and a page past the end with 404, never 500', async (t) => {
    const { gazette, app, seedsDir } = await startPagesGazette(t, { pages: { pageSize: 2 } });
    for (let i = 1; i <= 3; i++) writeArticle(seedsDir, { slug: `n-${i}` });
    await gazette.core.ingest.run();
    for (const bad of ['0', '-1', 'x', '1.5', '99999999999999999999', '']) {
      const res = await request(app).get(`/?page=${bad}`).set('Accept', 'application/json');
      assert.equal(res.status, 400, `page=${bad}`);
      assert.equal(res.body.error.code, 'BadRequest');
    }
    await request(app).get('/?page=1&page=2').set('Accept', 'application/json').expect(400);
    const past = await request(app).get('/?page=3').set('Accept', 'text/html').expect(404);
    assert.match(past.text, /There is no page 3/);
  });

  it('offers the subscription form with the configured default frequency and consent text', async (t) => {
    const { app } = await startPagesGazette(t, { subscriptions: { defaultFrequency: 'daily', consentText: 'Mail me & my <friends>.' } });
    const home = await request(app).get('/').expect(200);
    assert.match(home.text, /<form method="post" action="\/subscribe">/);
    assert.match(home.text, /<input id="subscribe-email" name="email" type="email"[^>]* required/);
    assert.match(home.text, /name="name" type="text"/);
    assert.match(home.text, /value="daily" checked>/);
    assert.doesNotMatch(home.text, /value="(instant|weekly)" checked/);
    assert.match(home.text, /Mail me &amp; my &lt;friends&gt;\./);
    assert.doesNotMatch(home.text, /<script/);
  });
});

describe('article page', () => {
  it('shows the full article, escaping hostile text everywhere it appears', async (t) => {
    const { gazette, app, seedsDir } = await startPagesGazette(t);
    const hostile = `<script>alert("x")</script> Tom & Jerry's "quotes" </p><img src=x onerror=alert(1)>`;
    writeArticle(seedsDir, { slug: 'hostile-text', paragraphs: [hostile, 'Second paragraph.'] });
    await gazette.core.ingest.run();
    const res = await request(app)
      .get('/articles/hostile-text')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    assert.doesNotMatch(res.text, /<script|<img|onerror=alert/);
    const escaped =
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tom &amp; Jerry&#x27;s &quot;quotes&quot; &lt;/p&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;';
    assert.ok(res.text.includes(`<p>${escaped}</p>`), 'the paragraph is escaped');
    assert.ok(res.text.includes(`<meta name="description" content="${escaped}">`), 'the description is escaped');
    assert.match(res.text, /<p>Second paragraph\.<\/p>/);
    assert.match(res.text, /<h1>Hostile text<\/h1>/);
    assert.match(res.text, /<link rel="canonical" href="https:\/\/news\.example\.com\/articles\/hostile-text">/);
    assert.match(res.text, /<meta property="og:type" content="article">/);
  });

  it('shows the updated date once the article is edited', async (t) => {
    const { gazette, app, seedsDir, clock } = await startPagesGazette(t);
    const file = writeArticle(seedsDir, { slug: 'edited', date: '1 January 2026', paragraphs: ['Before.'] });
    await gazette.core.ingest.run();
    assert.doesNotMatch((await request(app).get('/articles/edited')).text, /Updated/);
    clock.set('2026-01-12T10:00:00Z');
    writeArticle(seedsDir, { slug: 'edited', date: '1 January 2026', paragraphs: ['After.'] });
    touch(file);
    await gazette.core.ingest.run();
    const res = await request(app).get('/articles/edited').expect(200);
    assert.match(res.text, /Updated <time datetime="2026-01-12T10:00:00.000Z">January 12, 2026<\/time>/);
    assert.match(res.text, /<p>After\.<\/p>/);
  });

  it('answers 410 Gone once the file is removed', async (t) => {
    const { gazette, app, seedsDir } = await startPagesGazette(t);
    const file = writeArticle(seedsDir, { slug: 'withdrawn' });
    // Another file stays: an emptied seeds directory unpublishes nothing (see ingest.service.ts).
    writeArticle(seedsDir, { slug: 'still-here', date: '1 January 2020' });
    await gazette.core.ingest.run();
    await request(app).get('/articles/withdrawn').expect(200);
    rmSync(file);
    await gazette.core.ingest.run();
    const page = await request(app).get('/articles/withdrawn').set('Accept', 'text/html').expect(410);
    assert.match(page.text, /<h1>This page has been removed<\/h1>/);
    const api = await request(app).get('/articles/withdrawn').set('Accept', 'application/json').expect(410);
    assert.equal(api.body.error.code, 'Gone');
    assert.deepEqual(hrefsIn((await request(app).get('/')).text, articleLinks), ['/articles/still-here']);
  });

  it('keeps an embargoed article a plain 404, indistinguishable from an unknown one, until its time', async (t) => {
    const { gazette, app, seedsDir, clock } = await startPagesGazette(t);
    writeArticle(seedsDir, { slug: 'embargoed', date: '2026-01-11T09:00:00Z', paragraphs: ['Secret until tomorrow.'] });
    await gazette.core.ingest.run();
    const hidden = await request(app).get('/articles/embargoed').set('Accept', 'application/json').expect(404);
    const unknown = await request(app).get('/articles/never-existed').set('Accept', 'application/json').expect(404);
    assert.deepEqual(hidden.body, unknown.body);
    const hiddenPage = await request(app).get('/articles/embargoed').set('Accept', 'text/html').expect(404);
    assert.doesNotMatch(hiddenPage.text, /Secret|Embargoed/);
    assert.doesNotMatch((await request(app).get('/')).text, /embargoed/);

    clock.set('2026-01-11T09:00:00Z');
    const open = await request(app).get('/articles/embargoed').expect(200);
    assert.match(open.text, /Secret until tomorrow\./);
    assert.deepEqual(hrefsIn((await request(app).get('/')).text, articleLinks), ['/articles/embargoed']);
  });

  it('answers 304 to a revalidation with the same ETag, and 200 once the article changes', async (t) => {
    const { gazette, app, seedsDir } = await startPagesGazette(t);
    const file = writeArticle(seedsDir, { slug: 'cached', paragraphs: ['First version.'] });
    await gazette.core.ingest.run();
    const first = await request(app).get('/articles/cached').expect(200).expect('Cache-Control', 'no-cache');
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[\w-]{27}"$/);
    await request(app).get('/articles/cached').set('If-None-Match', etag).expect(304);
    writeArticle(seedsDir, { slug: 'cached', paragraphs: ['Second version.'] });
    touch(file);
    await gazette.core.ingest.run();
    const changed = await request(app).get('/articles/cached').set('If-None-Match', etag).expect(200);
    assert.match(changed.text, /Second version\./);
    assert.notEqual(changed.headers.etag, etag);
  });
});
