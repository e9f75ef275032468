import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ArticleSpec {
  date?: string;
  slug?: string;
  paragraphs?: string[];
  /** File name inside the seeds directory; defaults to `<slug>.txt`. */
  file?: string;
}

let counter = 0;

/** The text of a seed file in the real format: date, slug, blank line, paragraphs. */
export function buildArticleText(spec: ArticleSpec = {}): string {
  const slug = spec.slug ?? `test-article-${++counter}`;
  const paragraphs = spec.paragraphs ?? [`First paragraph of ${slug}.`, 'Second paragraph.'];
  return `${spec.date ?? '4 September, 2025'}\n${slug}\n\n${paragraphs.join('\n\n')}\n`;
}

/** Writes a seed file and returns its absolute path. */
export function writeArticle(seedsDir: string, spec: ArticleSpec = {}): string {
  const slug = spec.slug ?? `test-article-${++counter}`;
  const file = path.join(seedsDir, spec.file ?? `${slug}.txt`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, buildArticleText({ ...spec, slug }));
  return file;
}
