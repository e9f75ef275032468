import { readFile } from 'node:fs/promises';
import type { ArticleProblem } from './article.ts';
import { listSeedFileEntries } from './list-seed-files.ts';
import type { ParsedArticle } from './parse-article-file.ts';
import { planSeedChanges, readPlanFile, type PlanFile, type StoredArticle } from './plan-seed-changes.ts';
import { parseSeedFile, type SeedArticle } from './read-seed-file.ts';

export interface CheckReport {
  files: number;
  valid: { file: string; article: ParsedArticle }[];
  problems: ArticleProblem[];
  /** Published articles an ingest of this directory would unpublish (their file is gone). */
  wouldRemove: string[];
}

/**
 * Validates every seed file without writing to the store: what `gazette check` runs. It applies
 * the ingest's own rule (`planSeedChanges`) to what the store publishes (`stored`; empty for a
 * directory no store has seen), so a contested slug is blamed on the same file the ingest rejects.
 */
export async function checkSeeds(seedsDir: string, timeZone: string, stored: readonly StoredArticle[] = []): Promise<CheckReport> {
  const entries = await listSeedFileEntries(seedsDir);
  const files: PlanFile<SeedArticle>[] = [];
  const problems: ArticleProblem[] = [];
  for (const entry of entries) {
    const reading = parseSeedFile(entry.path, await readFile(entry.absolutePath), timeZone);
    problems.push(...reading.problems);
    files.push(readPlanFile(entry.path, null, reading.article));
  }
  const plan = planSeedChanges(files, stored);
  problems.push(...plan.rejected);
  const rejected = new Set(plan.rejected.map((p) => p.file));
  const valid = files.flatMap((f) =>
    f.kind === 'read' && f.article && !rejected.has(f.path) ? [{ file: f.path, article: withoutBookkeeping(f.article) }] : [],
  );
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { files: entries.length, valid, problems, wouldRemove: plan.remove };
}

function withoutBookkeeping({ contentHash: _hash, sourceFile: _file, ...article }: SeedArticle): ParsedArticle {
  return article;
}
