/**
 * Benchmark 3: feed rebuild after one new article with 10,000 in the store (target <= 50 ms),
 * beside a full-store operation measured in the same run.
 *   npx tsx bench/feed-rebuild.ts
 * Articles are written straight into the store (this measures the publisher, not ingest).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { insertArticle, listPublishedArticles } from '../src/articles/article.repository.ts';
import { ARTICLES_VERSION_KEY } from '../src/articles/ingest.service.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { archivePageCount } from '../src/feeds/archive-pages.ts';
import { newestChange } from '../src/feeds/feed-page.ts';
import { renderRss } from '../src/feeds/render-rss.ts';
import { feedSettingsFrom } from '../src/feeds/feed-page.ts';
import { createGazette } from '../src/main.ts';
import { ManualClock } from '../src/shared/clock.ts';
import type { Db } from '../src/store/database.ts';
import { writeSiteState } from '../src/store/site-state.repository.ts';

const STORE_SIZE = 10_000;
const SAMPLES = 15;
const START = Date.UTC(2020, 0, 1);
const paragraph =
  'Western leaders gathered to discuss security guarantees, engaging in talks on the terms of a ceasefire and the role of a coalition force. '
    .repeat(4)
    .trim();

async function addArticle(db: Db, n: number, now: Date): Promise<void> {
  const slug = `article-${String(n).padStart(6, '0')}`;
  await insertArticle(
    db,
    randomUUID(),
    {
      slug,
      title: `Article ${n}`,
      summary: paragraph.slice(0, 200),
      paragraphs: Array(8).fill(`${paragraph} (${n})`),
      sourceFile: `${slug}.txt`,
      contentHash: slug,
      publishedAt: new Date(START + n * 3_600_000),
    },
    now,
  );
  await writeSiteState(db, ARTICLES_VERSION_KEY, `${now.getTime()}-${n}`);
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const dir = mkdtempSync(path.join(tmpdir(), 'gazette-rebuild-'));
const config = loadConfig({
  env: {},
  overrides: { paths: { seedsDir: path.join(dir, 'seeds'), dataDir: path.join(dir, 'data') }, log: { level: 'silent' } },
});
const clock = new ManualClock(new Date(START + (STORE_SIZE + SAMPLES + 10) * 3_600_000));
const gazette = await createGazette(config, { clock });
const { db } = gazette.core.store;
await db.transaction().execute(async (trx) => {
  for (let n = 1; n <= STORE_SIZE; n++) await addArticle(trx, n, clock.now());
});
await gazette.core.feeds.refresh();

const rebuilds: number[] = [];
for (let i = 1; i <= SAMPLES; i++) {
  await addArticle(db, STORE_SIZE + i, clock.now());
  rebuilds.push(await time(() => gazette.core.feeds.refresh()));
}
const rebuildChanged = (await gazette.core.feeds.find('/feed.xml'))!.bodies.identity
  .toString()
  .includes(`article-${String(STORE_SIZE + SAMPLES).padStart(6, '0')}`);

// Baseline: read every article of the store once (what any rebuild that looks at the whole archive pays at least).
const readAll: number[] = [];
for (let i = 0; i < 5; i++) readAll.push(await time(() => listPublishedArticles(db, { now: clock.now(), limit: STORE_SIZE * 2 })));
// And what rendering the whole history as one document would cost.
const all = await listPublishedArticles(db, { now: clock.now(), limit: STORE_SIZE * 2 });
const renderAll = await time(async () => renderRss(feedSettingsFrom(config), { articles: all, updated: newestChange(all) }));

await gazette.close();
rmSync(dir, { recursive: true, force: true });

const r = median(rebuilds);
const b = median(readAll);
console.log(
  `${STORE_SIZE} articles in the store (${archivePageCount(STORE_SIZE, config.feeds.archivePageSize)} archive pages), feed size ${config.feeds.size}, ${SAMPLES} rebuilds, each after one new article`,
);
console.log(
  `rebuild (render RSS+Atom+JSON, gzip, brotli): median ${r.toFixed(1)} ms, max ${Math.max(...rebuilds).toFixed(1)} ms (target <= 50 ms); new article in /feed.xml: ${rebuildChanged}`,
);
console.log(
  `baseline, read all ${all.length} articles from the store: median ${b.toFixed(1)} ms; ratio rebuild/baseline ${(r / b).toFixed(2)}`,
);
console.log(`for scale, render all ${all.length} articles into one RSS document: ${renderAll.toFixed(0)} ms`);
