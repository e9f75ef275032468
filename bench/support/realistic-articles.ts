import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeArticle } from '../../test/support/build-article.ts';

/** mulberry32: the same text on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes `count` real-length seed files (8 paragraphs of 70 words drawn from a real seed file),
 * each with its own text, so that gzip compresses them as it would real news and not copies of
 * one article. `dateOf(i)` (1-based) gives each file's date line.
 */
export function writeRealisticArticles(seedsDir: string, count: number, dateOf: (i: number) => string, seed = 42): void {
  const words = readFileSync(fileURLToPath(new URL('../../seeds/000_8dfb4a8e5c26fdd7.txt', import.meta.url)), 'utf8')
    .split(/\s+/)
    .slice(2);
  const random = seededRandom(seed);
  const paragraph = (): string => Array.from({ length: 70 }, () => words[Math.floor(random() * words.length)]).join(' ');
  for (let i = 1; i <= count; i++)
    writeArticle(seedsDir, { slug: `bench-article-${i}`, date: dateOf(i), paragraphs: Array.from({ length: 8 }, paragraph) });
}
