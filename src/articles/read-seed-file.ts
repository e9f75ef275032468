import { readFile } from 'node:fs/promises';
import type { ArticleProblem } from './article.ts';
import type { SeedFileEntry } from './list-seed-files.ts';
import { contentHashOf, parseArticleFile, peekSlug, type ParsedArticle } from './parse-article-file.ts';

/** An article as a seed file gives it, with the file it came from and the hash of its bytes. */
export type SeedArticle = ParsedArticle & { sourceFile: string; contentHash: string };

/** What one seed file yields: the hash of its bytes, and its article or its problems. */
export interface SeedFileReading {
  contentHash: string;
  problems: ArticleProblem[];
  article?: SeedArticle;
}

/** Pure: the same bytes give the same reading in `gazette check` and in the ingest. */
export function parseSeedFile(path: string, bytes: Uint8Array, timeZone: string): SeedFileReading {
  const contentHash = contentHashOf(bytes);
  const parsed = parseArticleFile(path, bytes, timeZone);
  if (!parsed.ok) return { contentHash, problems: parsed.problems };
  return { contentHash, problems: [], article: { ...parsed.article, sourceFile: path, contentHash } };
}

/** Never throws: a file that cannot be read is one more problem (a bad file never stops a scan). */
export async function readSeedFile(entry: Pick<SeedFileEntry, 'path' | 'absolutePath'>, timeZone: string): Promise<SeedFileReading> {
  let bytes: Buffer;
  try {
    bytes = await readFile(entry.absolutePath);
  } catch (error) {
    const problem: ArticleProblem = {
      file: entry.path,
      line: 1,
      code: 'UnreadableFile',
      message: `cannot read the file: ${(error as Error).message}`,
    };
    return { contentHash: '', problems: [problem] };
  }
  return parseSeedFile(entry.path, bytes, timeZone);
}

/** The slug a file still being written names, if it can be read at all. */
export async function peekSlugOf(entry: Pick<SeedFileEntry, 'absolutePath'>): Promise<string | null> {
  try {
    return peekSlug(await readFile(entry.absolutePath));
  } catch {
    return null;
  }
}
