import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Generated seed files for the ingest benchmarks: about 2.4 KB each (six paragraphs), dated six
 * hours apart from 2015, 100 files per folder as an archive organised by year and month would be.
 */
const WORDS = 'council minister budget harbour election summit treaty energy rail farmers court museum storm league vaccine bridge'.split(
  ' ',
);

export function benchArticleText(i: number): string {
  const day = new Date(Date.UTC(2015, 0, 1) + i * 6 * 3600_000);
  const word = (k: number): string => WORDS[(i * 7 + k * 13) % WORDS.length]!;
  const sentence = (k: number): string =>
    `The ${word(k)} and the ${word(k + 1)} met on ${day.toISOString().slice(0, 10)} to talk about ${word(k + 2)} number ${i}.`;
  const paragraphs = Array.from({ length: 6 }, (_, p) => Array.from({ length: 5 }, (_, s) => sentence(p * 5 + s)).join(' '));
  return `${day.toISOString().slice(0, 16)}Z\n${word(0)}-${word(1)}-report-${i}\n\n${paragraphs.join('\n\n')}\n`;
}

export function writeBenchSeeds(dir: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, `batch-${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `article-${i}.txt`), benchArticleText(i));
  }
}

/** The least any rescan must do: a recursive readdir and a stat of every file. */
export async function readdirAndStat(dir: string): Promise<number> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.txt'));
  const stats = await Promise.all(names.map((n) => stat(path.join(dir, n))));
  return stats.length;
}

/** The least any cold ingest must do: read every file and hash its bytes. */
export async function readAndHash(dir: string): Promise<number> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.txt'));
  let bytes = 0;
  for (let i = 0; i < names.length; i += 256) {
    const buffers = await Promise.all(names.slice(i, i + 256).map((n) => readFile(path.join(dir, n))));
    for (const b of buffers) {
      createHash('sha256').update(b).digest();
      bytes += b.length;
    }
  }
  return bytes;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export function medianOf(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
