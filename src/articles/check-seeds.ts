import { readFile } from 'node:fs/promises';
import type { ArticleProblem } from './article.ts';
import { listSeedFileEntries } from './list-seed-files.ts';
import { parseArticleFile, type ParsedArticle } from './parse-article-file.ts';

export interface CheckReport {
  files: number;
  valid: { file: string; article: ParsedArticle }[];
  problems: ArticleProblem[];
}

/** Validates every seed file without touching the store: what `gazette check` runs. */
export async function checkSeeds(seedsDir: string, timeZone: string): Promise<CheckReport> {
  const entries = await listSeedFileEntries(seedsDir);
  const valid: CheckReport['valid'] = [];
  const problems: ArticleProblem[] = [];
  const firstFileBySlug = new Map<string, string>();
  for (const entry of entries) {
    const result = parseArticleFile(entry.path, await readFile(entry.absolutePath), timeZone);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const holder = firstFileBySlug.get(result.article.slug);
    if (holder) {
      problems.push({ file: entry.path, line: 2, code: 'DuplicateSlug', message: `the slug "${result.article.slug}" is already used by ${holder}; give one of the two files another slug` });
      continue;
    }
    firstFileBySlug.set(result.article.slug, entry.path);
    valid.push({ file: entry.path, article: result.article });
  }
  return { files: entries.length, valid, problems };
}
