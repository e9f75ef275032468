import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';

const run = promisify(execFile);

// Debian's own readers and validator; scripts/ensure-services.sh installs them for `npm test`.
const TOOLS = { python: '/usr/bin/python3', newsboat: '/usr/bin/newsboat', xmllint: '/usr/bin/xmllint' };

function requireTools(): void {
  const missing = Object.values(TOOLS).filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new Error(
      `REAL-READER TESTS CANNOT RUN: missing ${missing.join(', ')} (Debian packages python3-feedparser, newsboat, libxml2-utils; scripts/ensure-services.sh installs them as root)`,
    );
}

const FEEDPARSER = `
import json, sys, feedparser
out = []
for url in sys.argv[1:]:
    d = feedparser.parse(url)
    again = feedparser.parse(url, etag=d.get('etag'), modified=d.get('modified'))
    out.append({'url': url, 'bozo': d.bozo, 'error': str(d.get('bozo_exception', '')), 'version': d.version,
                'titles': [e.title for e in d.entries], 'texts': [e.get('summary', '') + ''.join(c.value for c in e.get('content', [])) for e in d.entries], 'ids': [e.id for e in d.entries],
                'status': d.get('status'), 'revalidated': again.get('status')})
print(json.dumps(out))
`;

test('Debian feedparser, newsboat and xmllint read every feed and archive page, hostile text included, without a warning', async (t) => {
  requireTools();
  const { config, seedsDir, dir } = makeTestConfig(t, { server: { port: 0 } });
  writeArticle(seedsDir, {
    slug: 'hostile-text-for-readers',
    date: '5 January 2026',
    paragraphs: [
      'Ends ]]> twice ]]> with <script>alert(1)</script> & "quotes" \u0001 \u0085next\u007f\u009f and “curly” ünïcödé.',
      'A <b>second</b> paragraph & more.',
    ],
  });
  writeArticle(seedsDir, { slug: 'plain-news-for-readers', date: '6 January 2026' });
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  await gazette.start();
  const base = gazette.address();
  const urls = ['/feed.xml', '/atom.xml', '/feeds/archive/1.rss.xml', '/feeds/archive/1.atom.xml'].map((p) => `${base}${p}`);

  for (const url of urls) {
    const file = path.join(dir, `${path.basename(url)}`);
    writeFileSync(file, Buffer.from(await (await fetch(url)).arrayBuffer()));
    const lint = await run(TOOLS.xmllint, ['--noout', file]);
    assert.equal(lint.stderr, '', `xmllint on ${url}`);
  }

  const parsed = JSON.parse((await run(TOOLS.python, ['-c', FEEDPARSER, ...urls])).stdout) as {
    url: string;
    bozo: boolean | number;
    error: string;
    version: string;
    titles: string[];
    texts: string[];
    ids: string[];
    status: number;
    revalidated: number;
  }[];
  for (const feed of parsed) {
    assert.equal(Boolean(feed.bozo), false, `${feed.url}: ${feed.error}`);
    assert.match(feed.version, feed.url.includes('atom') ? /^atom10$/ : /^rss20$/);
    assert.deepEqual(feed.titles.slice().sort(), ['Hostile text for readers', 'Plain news for readers']);
    assert.equal(feed.status, 200);
    // DEL and C1 controls (U+0085 above) are removed with the other control characters: feedparser would show them as glyphs.
    assert.ok(
      feed.texts.every((text) => !/[\u007f-\u009f]/.test(text) && !text.includes('\ufffd')),
      `${feed.url}: ${JSON.stringify(feed.texts)}`,
    );
    assert.ok(feed.texts.some((text) => text.includes('next')));
    if (!feed.url.includes('/archive/')) assert.equal(feed.revalidated, 304, `${feed.url} answers feedparser's conditional GET with 304`);
  }
  // One id per article, whichever format and document a reader takes it from.
  assert.deepEqual(new Set(parsed.flatMap((f) => f.ids)).size, 2);

  // One newsboat cache per feed: newsboat keys items by guid across all its feeds, and the RSS and
  // Atom feeds carry the same id per article by design.
  const newsboatConfig = path.join(dir, 'newsboat.conf');
  writeFileSync(newsboatConfig, 'reload-threads 1\n');
  for (const [i, url] of urls.slice(0, 2).entries()) {
    const urlsFile = path.join(dir, `urls-${i}`);
    writeFileSync(urlsFile, `${url}\n`);
    const cache = path.join(dir, `cache-${i}.db`);
    await run(TOOLS.newsboat, ['-u', urlsFile, '-C', newsboatConfig, '-c', cache, '-x', 'reload'], {
      env: { HOME: dir, PATH: process.env.PATH ?? '' },
    });
    const db = new Database(cache, { readonly: true });
    const items = db.prepare('select feedurl, title, author, url, guid from rss_item order by title').all() as {
      feedurl: string;
      title: string;
      author: string;
      url: string;
      guid: string;
    }[];
    db.close();
    assert.deepEqual(
      items.map((item) => item.title),
      ['Hostile text for readers', 'Plain news for readers'],
      `newsboat read ${url}`,
    );
    assert.ok(
      items.every((item) => item.feedurl === url && item.author === config.site.author.name),
      'newsboat sees an author on every entry',
    );
    assert.ok(
      items.every((item) => item.url.startsWith('https://news.example.com/articles/') && item.guid.startsWith('tag:news.example.com,')),
    );
  }
});
