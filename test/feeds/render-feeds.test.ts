import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractFromJson, extractFromXml } from '@extractus/feed-extractor';
import { feedFormats } from '../../src/feeds/feed-links.ts';
import { newestChange, type FeedPage } from '../../src/feeds/feed-page.ts';
import { renderAtom } from '../../src/feeds/render-atom.ts';
import { renderJsonFeed } from '../../src/feeds/render-json-feed.ts';
import { renderRss } from '../../src/feeds/render-rss.ts';
import { renderers } from '../../src/feeds/renderers.ts';
import { assertWellFormedXml, buildFeedArticle, buildFeedSettings, decodeHtmlText, parseWithRssParser } from './feed-fixtures.ts';

// Each line attacks one defect of feed 6.0.0 / xml-js (docs/feed-package-defects.md) or an escaping path of ours.
const HOSTILE_TITLE = 'Use <div> & co: "quotes", \'apostrophes\', ]]> twice ]]> and &amp; literally';
const HOSTILE_SUMMARY = 'A summary with <b>tags</b>, ]]>]]> and & ampersands';
const HOSTILE_PARAGRAPHS = [
  'Paragraph with ]]> one and ]]> two <script>alert(1)</script>',
  'Emoji 🗞️, accents café, CJK 新闻, RTL مرحبا & "more"',
];
const CONTROL = '\u0001\u0008\u000B\u000C\u001F\uFFFE\uFFFF\uD800';

function hostilePage(settingsAuthor = 'Desk <Night> & Co'): { page: FeedPage; settings: ReturnType<typeof buildFeedSettings> } {
  const settings = buildFeedSettings({ site: { title: 'The <Site> & "Co" &amp;', author: { name: settingsAuthor, email: null } } });
  const article = buildFeedArticle({
    slug: 'hostile-article',
    title: `${HOSTILE_TITLE}${CONTROL}`,
    summary: `${HOSTILE_SUMMARY}${CONTROL}`,
    paragraphs: HOSTILE_PARAGRAPHS.map((p) => `${p}${CONTROL}`),
  });
  return { settings, page: { articles: [article], updated: newestChange([article]) } };
}

describe('feed renderers with hostile article text', () => {
  it('RSS is well-formed and reads back exactly with rss-parser and feed-extractor', async () => {
    const { settings, page } = hostilePage();
    const xml = renderRss(settings, page);
    assertWellFormedXml(xml);
    const feed = await parseWithRssParser(xml);
    const item = feed.items[0]!;
    assert.equal(feed.title, 'The <Site> & "Co" &amp;');
    assert.equal(item.title, HOSTILE_TITLE);
    assert.equal(decodeHtmlText(item.content!), HOSTILE_SUMMARY);
    assert.equal(
      item['content:encoded'],
      HOSTILE_PARAGRAPHS.map(
        (p) => `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</p>`,
      ).join('\n'),
    );
    assert.equal(item['dc:creator'], 'Desk <Night> & Co');
    const extracted = extractFromXml(xml, { descriptionMaxLen: 0 });
    assert.equal(extracted.entries?.length, 1);
  });

  it('RSS names authors with dc:creator, never a name-only <author>, and declares dc', () => {
    const { settings, page } = hostilePage();
    const xml = renderRss(settings, page);
    assert.doesNotMatch(xml, /<author>/);
    assert.match(xml, /<dc:creator>Desk &lt;Night&gt; &amp; Co<\/dc:creator>/);
    assert.match(xml, /xmlns:dc="http:\/\/purl.org\/dc\/elements\/1.1\/"/);
  });

  it('Atom escapes plain titles once, so readers of type="html" show all of them', async () => {
    const { settings, page } = hostilePage();
    const xml = renderAtom(settings, page);
    assertWellFormedXml(xml);
    const feed = await parseWithRssParser(xml);
    assert.equal(decodeHtmlText(feed.items[0]!.title!), HOSTILE_TITLE);
    const extracted = extractFromXml(xml, { descriptionMaxLen: 0 });
    assert.equal(extracted.entries?.[0]?.title, HOSTILE_TITLE);
    assert.match(xml, /<author>\s*<name>Desk &lt;Night&gt; &amp; Co<\/name>/);
  });

  it('JSON Feed 1.1 keeps plain text plain and HTML escaped', () => {
    const { settings, page } = hostilePage();
    const json = renderJsonFeed(settings, page);
    const document = JSON.parse(json) as { version: string; items: { title: string; summary: string; content_html: string }[] };
    assert.equal(document.version, 'https://jsonfeed.org/version/1.1');
    assert.equal(document.items[0]!.title, HOSTILE_TITLE);
    assert.equal(document.items[0]!.summary, HOSTILE_SUMMARY);
    assert.doesNotMatch(document.items[0]!.content_html, /<script>/);
    assert.equal(extractFromJson(json).entries?.[0]?.title, HOSTILE_TITLE);
  });

  it('removes every character XML forbids from every format', () => {
    const { settings, page } = hostilePage(`Desk${CONTROL}`);
    for (const format of feedFormats) {
      const text = renderers[format](settings, page);
      /* eslint-disable no-control-regex -- the pattern matches control characters on purpose */
      assert.doesNotMatch(
        text,
        /[\u0001-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|\\u[dD][89abAB]/,
        format,
      );
      /* eslint-enable no-control-regex */
    }
  });
});

describe('feed renderers, structure', () => {
  const settings = buildFeedSettings({ feeds: { websubHub: 'https://hub.example.net/hub' } });
  const older = buildFeedArticle({ slug: 'older', publishedAt: new Date('2025-09-01T08:00:00Z') });
  const edited = buildFeedArticle({
    slug: 'edited',
    publishedAt: new Date('2025-09-02T08:00:00Z'),
    updatedAt: new Date('2025-09-05T10:00:00Z'),
  });
  const page: FeedPage = { articles: [edited, older], updated: newestChange([edited, older]), prevArchivePage: 3 };

  it('gives each article one id in all three formats', async () => {
    const rss = await parseWithRssParser(renderRss(settings, page));
    const atom = await parseWithRssParser(renderAtom(settings, page));
    const json = JSON.parse(renderJsonFeed(settings, page)) as { items: { id: string }[] };
    const expected = ['tag:news.example.com,2025-09-02:edited', 'tag:news.example.com,2025-09-01:older'];
    assert.deepEqual(
      rss.items.map((i) => i.guid),
      expected,
    );
    assert.deepEqual(
      atom.items.map((i) => i.id),
      expected,
    );
    assert.deepEqual(
      json.items.map((i) => i.id),
      expected,
    );
  });

  it('links each format to itself, advertises the hub, and states the language', () => {
    const rss = renderRss(settings, page);
    const atom = renderAtom(settings, page);
    const json = JSON.parse(renderJsonFeed(settings, page)) as Record<string, unknown>;
    assert.match(rss, /<atom:link href="https:\/\/news.example.com\/feed.xml" rel="self" type="application\/rss\+xml"\/>/);
    assert.match(rss, /<atom:link href="https:\/\/hub.example.net\/hub" rel="hub"\/>/);
    assert.match(rss, /<language>en<\/language>/);
    assert.match(atom, /<link rel="self" href="https:\/\/news.example.com\/atom.xml"\/>/);
    assert.match(atom, /<link rel="hub" href="https:\/\/hub.example.net\/hub"\/>/);
    assert.match(atom, /<feed xmlns="http:\/\/www.w3.org\/2005\/Atom" xml:lang="en">/);
    assert.equal(json.feed_url, 'https://news.example.com/feed.json');
    assert.deepEqual(json.hubs, [{ type: 'WebSub', url: 'https://hub.example.net/hub' }]);
    assert.equal(json.language, 'en');
  });

  it('dates the feed by its newest article change, not by the time of rendering', async () => {
    const rss = await parseWithRssParser(renderRss(settings, page));
    assert.equal(rss.lastBuildDate, 'Fri, 05 Sep 2025 10:00:00 GMT');
    assert.match(renderAtom(settings, page), /<updated>2025-09-05T10:00:00.000Z<\/updated>\n {4}<generator>/);
    const empty = renderAtom(settings, { articles: [], updated: newestChange([]) });
    assert.match(empty, /<updated>1970-01-01T00:00:00.000Z<\/updated>/);
  });

  it('renders the same bytes for the same articles, call after call', () => {
    for (const format of feedFormats)
      assert.equal(renderers[format](settings, page), renderers[format](settings, { ...page, articles: [...page.articles] }));
  });

  it('marks archive pages with fh:archive and current, prev and next links in every format', () => {
    const archive: FeedPage = { ...page, archivePage: 2, prevArchivePage: 1, nextArchivePage: 3 };
    const rss = renderRss(settings, archive);
    const atom = renderAtom(settings, archive);
    const json = JSON.parse(renderJsonFeed(settings, archive)) as Record<string, unknown>;
    for (const xml of [rss, atom]) {
      assertWellFormedXml(xml);
      assert.match(xml, /<fh:archive( xmlns:fh="http:\/\/purl.org\/syndication\/history\/1.0")?\/>/);
      assert.doesNotMatch(xml, /rel="hub"/, 'archive pages are not subscribed to');
    }
    assert.match(rss, /href="https:\/\/news.example.com\/feed.xml" rel="current"/);
    assert.match(rss, /href="https:\/\/news.example.com\/feeds\/archive\/1.rss.xml" rel="prev-archive"/);
    assert.match(rss, /href="https:\/\/news.example.com\/feeds\/archive\/3.rss.xml" rel="next-archive"/);
    assert.match(atom, /<link rel="current" type="application\/atom\+xml" href="https:\/\/news.example.com\/atom.xml"\/>/);
    assert.match(atom, /<link rel="self" href="https:\/\/news.example.com\/feeds\/archive\/2.atom.xml"\/>/);
    assert.equal(json.next_url, 'https://news.example.com/feeds/archive/1.json');
    assert.deepEqual(json._archive, {
      archive: true,
      updated: '2025-09-05T10:00:00.000Z',
      current: 'https://news.example.com/feed.json',
      prev_archive: 'https://news.example.com/feeds/archive/1.json',
      next_archive: 'https://news.example.com/feeds/archive/3.json',
    });
  });
});

describe('feed renderers, attribute-bound values', () => {
  it('stay well-formed with "&", "<" and quotes in the base URL and the hub URL', async () => {
    const settings = buildFeedSettings({
      site: { baseUrl: 'https://news.example.com/a&b"c' },
      feeds: { websubHub: 'https://hub.example.net/hub?topic=a&b=<c>' },
    });
    const article = buildFeedArticle({ slug: 'attributes' });
    for (const archivePage of [undefined, 2]) {
      const page: FeedPage = {
        articles: [article],
        updated: newestChange([article]),
        prevArchivePage: 1,
        ...(archivePage ? { archivePage, nextArchivePage: 3 } : {}),
      };
      for (const xml of [renderRss(settings, page), renderAtom(settings, page)]) {
        assertWellFormedXml(xml);
        await parseWithRssParser(xml);
      }
    }
    assert.match(
      renderRss(settings, { articles: [article], updated: newestChange([article]) }),
      /href="https:\/\/hub.example.net\/hub\?topic=a&amp;b=&lt;c>" rel="hub"/,
    );
  });

  it('declare the dc namespace even for an article without paragraphs', () => {
    const settings = buildFeedSettings();
    const article = buildFeedArticle({ slug: 'bodiless', paragraphs: [] });
    assertWellFormedXml(renderRss(settings, { articles: [article], updated: newestChange([article]) }));
  });
});
