import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import fc from 'fast-check';
import { createGazette, type Gazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';

/**
 * For any sequence of additions (back-dated, recent, embargoed), edits (some back into embargo),
 * deletions, restores and restarts,
 * with every document fetched after each step:
 * - a document once served as immutable keeps every byte, for ever;
 * - every visible article is in the archive pages in its current version, once outside frozen
 *   pages (which keep what they were frozen with); the subscription document and the pages not
 *   frozen hold only visible articles, current, each once;
 * - a reader walking the archive as RFC 5005 says (newer documents win) ends with every visible
 *   article in its current version; deleted ones can remain only inside frozen pages.
 * Seeded; a failure prints the sequence. FEEDS_MODEL_RUNS=300 FEEDS_MODEL_SEED=n for a long run.
 */

type Op =
  | { kind: 'add'; daysBack: number }
  | { kind: 'addFuture'; hoursAhead: number }
  | { kind: 'edit'; pick: number }
  | { kind: 'postpone'; pick: number; hoursAhead: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'restore'; pick: number }
  | { kind: 'wait' }
  | { kind: 'restart' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      daysBack: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 300, max: 1200 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('addFuture' as const), hoursAhead: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('edit' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  // An edit that moves the date into the future: the article goes back under embargo.
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('postpone' as const), pick: fc.nat(), hoursAhead: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wait' as const }) },
  // A new process on the same store: nothing it serves may come from the old one's memory.
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

interface ModelArticle {
  slug: string;
  date: Date;
  version: number;
  present: boolean;
}

interface JsonPage {
  next_url?: string;
  items: { url: string; content_html: string }[];
}

const FORMATS = ['rss.xml', 'atom.xml', 'json'];
const SUBSCRIPTION = ['/feed.xml', '/atom.xml', '/feed.json'];

it('archive pages and feeds: immutable bytes never change, and together they hold exactly the visible articles, current', async () => {
  const runs = Number(process.env.FEEDS_MODEL_RUNS ?? 12);
  await assertWithCause(
    fc.asyncProperty(fc.integer({ min: 0, max: 12 }), fc.array(op, { minLength: 1, maxLength: 14 }), async (initial, ops) => {
      const cleanups: (() => void)[] = [];
      const { config, seedsDir } = makeTestConfig(
        { after: (fn: () => void) => cleanups.push(fn) },
        { feeds: { size: 5, archivePageSize: 5 } },
      );
      const clock = new ManualClock('2026-03-01T12:00:00Z');
      let gazette = await createGazette(config, { clock });
      try {
        const model: ModelArticle[] = [];
        const immutable = new Map<string, Buffer>();
        const write = (a: ModelArticle) =>
          writeArticle(seedsDir, {
            slug: a.slug,
            date: a.date.toISOString().slice(0, 16) + '+00:00',
            paragraphs: [`${a.slug} version ${a.version}.`],
          });
        const add = (date: Date) => {
          const a = { slug: `article-${model.length + 1}`, date, version: 1, present: true };
          model.push(a);
          write(a);
        };
        for (let i = 0; i < initial; i++) add(new Date(clock.now().getTime() - (initial - i) * 86_400_000));
        await step(gazette, model, immutable);
        for (const o of ops) {
          clock.advance(3_600_000);
          const present = model.filter((a) => a.present);
          const absent = model.filter((a) => !a.present);
          if (o.kind === 'add') add(new Date(clock.now().getTime() - o.daysBack * 86_400_000 - 60_000));
          if (o.kind === 'addFuture') add(new Date(clock.now().getTime() + o.hoursAhead * 3_600_000));
          if (o.kind === 'edit' && present.length > 0) {
            const a = present[o.pick % present.length]!;
            a.version += 1;
            write(a);
          }
          if (o.kind === 'postpone' && present.length > 0) {
            const a = present[present.length - 1 - (o.pick % present.length)]!;
            a.date = new Date(clock.now().getTime() + o.hoursAhead * 3_600_000);
            a.version += 1;
            write(a);
          }
          // The last file is never deleted: an empty seeds/ is treated as an unmounted volume.
          if (o.kind === 'delete' && present.length > 1) {
            const a = present[o.pick % present.length]!;
            a.present = false;
            rmSync(path.join(seedsDir, `${a.slug}.txt`));
          }
          if (o.kind === 'restore' && absent.length > 0) {
            const a = absent[o.pick % absent.length]!;
            a.present = true;
            write(a);
          }
          if (o.kind === 'restart') {
            await gazette.close();
            gazette = await createGazette(config, { clock });
          }
          await step(gazette, model, immutable);
        }
      } finally {
        await gazette.close();
        for (const fn of cleanups) fn();
      }
    }),
    { seed: Number(process.env.FEEDS_MODEL_SEED ?? 5005), numRuns: runs },
  );

  async function step(gazette: Gazette, model: ModelArticle[], immutable: Map<string, Buffer>): Promise<void> {
    await gazette.core.ingest.run({ minFileAgeMs: 0 });
    const now = gazette.core.clock.now();
    const visible = new Map(model.filter((a) => a.present && a.date <= now).map((a) => [a.slug, `${a.slug} version ${a.version}.`]));
    const slugOf = (url: string) => url.split('/').pop()!;

    const documents = new Map<string, { body: Buffer; frozen: boolean }>();
    for (const p of SUBSCRIPTION) {
      const doc = (await gazette.core.feeds.find(p))!;
      documents.set(p, { body: doc.bodies.identity, frozen: false });
    }
    const pages = (JSON.parse(documents.get('/feed.json')!.body.toString()) as { next_url?: string }).next_url;
    const lastPage = pages ? Number(/archive\/(\d+)\.json$/.exec(pages)![1]) : 0;
    for (let n = 1; n <= lastPage; n++) {
      for (const ext of FORMATS) {
        const p = `/feeds/archive/${n}.${ext}`;
        const doc = await gazette.core.feeds.find(p);
        assert.ok(doc, `${p} is missing`);
        documents.set(p, { body: doc.bodies.identity, frozen: doc.cacheControl.includes('immutable') });
      }
    }
    for (const [p, body] of immutable) {
      const now = documents.get(p);
      assert.ok(now?.frozen, `${p} was served as immutable and is no longer`);
      assert.ok(now.body.equals(body), `${p} changed a byte while served as immutable`);
    }
    for (const [p, doc] of documents) if (doc.frozen && !immutable.has(p)) immutable.set(p, doc.body);

    const items = (p: string) => (JSON.parse(documents.get(p)!.body.toString()) as JsonPage).items;
    const archive = [...documents.keys()].filter((p) => p.startsWith('/feeds/archive/') && p.endsWith('.json'));
    // Frozen pages keep the entries they were frozen with: an article that re-entered later (edited,
    // restored) is there too, as history. Outside them, each visible article is exactly once.
    const live = archive.filter((p) => !documents.get(p)!.frozen);
    for (const [slug, text] of visible) {
      const copies = (pages: string[]) =>
        pages.flatMap((p) => items(p)).filter((i) => slugOf(i.url) === slug && i.content_html.includes(text)).length;
      assert.ok(copies(archive) >= 1, `${slug} (${text}) is in no archive page`);
      assert.ok(copies(live) <= 1, `${slug} (${text}) is ${copies(live)} times in the pages not frozen`);
    }
    for (const p of archive) {
      const slugs = items(p).map((i) => slugOf(i.url));
      assert.equal(new Set(slugs).size, slugs.length, `${p} holds an article twice`);
    }
    for (const p of ['/feed.json', ...archive.filter((p) => !documents.get(p)!.frozen)]) {
      const seen = new Set<string>();
      for (const i of items(p)) {
        const slug = slugOf(i.url);
        assert.ok(visible.has(slug), `${p} holds ${slug}, which is not visible`);
        assert.ok(i.content_html.includes(visible.get(slug)!), `${p} holds an old version of ${slug}`);
        assert.ok(!seen.has(slug), `${p} holds ${slug} twice`);
        seen.add(slug);
      }
    }
    // An RFC 5005 reader: from the subscription document back through the pages, the newer document wins.
    const reconstructed = new Map<string, string>();
    for (const p of ['/feed.json', ...archive.sort((a, b) => pageNumber(b) - pageNumber(a))]) {
      for (const i of items(p)) if (!reconstructed.has(slugOf(i.url))) reconstructed.set(slugOf(i.url), i.content_html);
    }
    for (const [slug, text] of visible)
      assert.ok(reconstructed.get(slug)?.includes(text), `a reader of the whole archive sees an old version of ${slug}`);
  }
});

/** fast-check keeps the failed assertion in `cause`, which the test reporter does not print: put it in the message. */
async function assertWithCause(...args: Parameters<typeof fc.assert>): Promise<void> {
  try {
    await fc.assert(...args);
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    throw new Error(`${(error as Error).message}\nFailed with: ${cause?.message ?? 'no cause'}`, { cause: error });
  }
}

function pageNumber(p: string): number {
  return Number(/archive\/(\d+)\./.exec(p)![1]);
}
