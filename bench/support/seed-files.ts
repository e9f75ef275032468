import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const WORDS = 'council minister budget harbour election summit treaty energy rail farmers court museum storm league vaccine bridge'.split(
  ' ',
);

/** Seed file `i` of a generated archive: about 2.4 KB, six paragraphs, a distinct slug and date. */
export function benchArticleText(i: number): string {
  const day = new Date(Date.UTC(2015, 0, 1) + i * 6 * 3600_000);
  const word = (k: number): string => WORDS[(i * 7 + k * 13) % WORDS.length]!;
  const sentence = (k: number): string =>
    `The ${word(k)} and the ${word(k + 1)} met on ${day.toISOString().slice(0, 10)} to talk about ${word(k + 2)} number ${i}.`;
  const paragraphs = Array.from({ length: 6 }, (_, p) => Array.from({ length: 5 }, (_, s) => sentence(p * 5 + s)).join(' '));
  return `${day.toISOString().slice(0, 16)}Z\n${word(0)}-${word(1)}-report-${i}\n\n${paragraphs.join('\n\n')}\n`;
}

/** Writes `count` generated seed files under `dir`, 100 per folder, as an archive organised by year and month would be. */
export function writeBenchSeeds(dir: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, `batch-${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `article-${i}.txt`), benchArticleText(i));
  }
}
