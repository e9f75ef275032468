import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { insertArticle } from '../src/articles/article.repository.ts';
import { createDueEdition } from '../src/editions/edition.service.ts';
import { openStore } from '../src/store/open-store.ts';

/**
 * A 100,000-subscriber edition on SQLite: the time to create it (one INSERT … SELECT of its
 * delivery rows) and the process's peak memory. Baseline in the same run: inserting the same
 * number of subscriber rows. Issue 3 asks peak memory ≤300 MB. Run: npx tsx bench/edition-100k.ts
 */
const SUBSCRIBERS = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(path.join(tmpdir(), 'gazette-bench-'));
const store = await openStore({ url: null, dataDir: dir });
const db = store.db;
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);

await insertArticle(
  db,
  'a1',
  {
    slug: 'the-story',
    title: 'The story',
    summary: 'S',
    paragraphs: ['P'],
    sourceFile: 'a.txt',
    contentHash: 'h',
    publishedAt: new Date('2025-09-05T00:00:00Z'),
  },
  new Date('2025-09-05T00:00:00Z'),
);
let t0 = performance.now();
await db.transaction().execute(async (tx) => {
  const at = '2025-09-01T00:00:00.000Z';
  for (let i = 0; i < SUBSCRIBERS; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, SUBSCRIBERS - i) }, (_, j) => {
      const n = i + j;
      const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      return {
        id,
        email: `r${n}@example.org`,
        email_key: `r${n}@example.org`,
        name: null,
        frequency: 'weekly' as const,
        status: 'confirmed' as const,
        created_at: at,
        updated_at: at,
        confirmed_at: at,
        unsubscribed_at: null,
        bounced_at: null,
        consent_at: at,
        consent_ip: null,
        consent_user_agent: null,
        consent_source: 'bench',
        consent_text: null,
      };
    });
    await tx.insertInto('subscribers').values(rows).execute();
  }
});
const insertSubscribersMs = performance.now() - t0;

t0 = performance.now();
const created = await createDueEdition(
  db,
  'weekly',
  new Date('2025-09-01T00:00:00Z'),
  new Date('2025-09-08T00:00:00Z'),
  new Date('2025-09-08T00:00:00Z'),
);
const createEditionMs = performance.now() - t0;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const { n } = (await sql<{ n: number }>`select count(*) as n from deliveries`.execute(db)).rows[0]!;

console.log(`subscribers inserted (baseline):  ${SUBSCRIBERS} in ${insertSubscribersMs.toFixed(0)} ms`);
console.log(`edition created with ${created?.recipients} delivery rows (${n} in the table) in ${createEditionMs.toFixed(0)} ms`);
console.log(`ratio edition/baseline: ${(createEditionMs / insertSubscribersMs).toFixed(2)}x`);
console.log(`peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MB (maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`);
await store.close();
rmSync(dir, { recursive: true, force: true });
