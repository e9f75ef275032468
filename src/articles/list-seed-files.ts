import { statSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import path from 'node:path';
import { GazetteError } from '../shared/errors.ts';

export interface SeedFileEntry {
  /** Relative to the seeds directory, with forward slashes: the name problems are reported under. */
  path: string;
  absolutePath: string;
  size: number;
  mtimeMs: number;
}

/**
 * Whether a path below `seedsDir` is an article file: it ends in `.txt` and no part of it is a
 * temporary or hidden name. Tools write beside the real file and rename into place, so their
 * temporary names must never be published: rsync's `.name.txt.XXXXXX`, Emacs's `.#name.txt`
 * and `#name.txt#`, vim's `.name.txt.swp`, Office's `~$name.txt`, and `name.txt~`, `*.tmp`,
 * `*.part`, `*.crdownload` (which do not end in `.txt` anyway).
 */
export function isSeedFileName(relativePath: string): boolean {
  return relativePath.endsWith('.txt') && !relativePath.split('/').some((part) => /^[.~#]/.test(part));
}

/** The one wording of a missing seeds directory, for the server's start and every scan. */
export function seedsDirectoryMissing(seedsDir: string, what = 'does not exist'): GazetteError {
  return new GazetteError(
    'SeedDirectoryMissing',
    `The seeds directory ${seedsDir} ${what}: create it or set paths.seedsDir (GAZETTE_SEEDS_DIR).`,
  );
}

/**
 * A server refuses to start without its seeds directory: started anyway it would publish an
 * empty site and fail every scan, when the cause is nearly always a wrong path or a volume not
 * mounted.
 */
export function requireSeedsDirectory(seedsDir: string): void {
  const found = statSync(seedsDir, { throwIfNoEntry: false });
  if (!found?.isDirectory()) throw seedsDirectoryMissing(seedsDir, found ? 'is not a directory' : 'does not exist');
}

/** Every article file below `seedsDir` (see `isSeedFileName`). */
export async function listSeedFileEntries(seedsDir: string): Promise<SeedFileEntry[]> {
  let names: string[];
  try {
    names = await readdir(seedsDir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw seedsDirectoryMissing(seedsDir);
    }
    throw error;
  }
  const candidates = names
    .map((n) => n.split(path.sep).join('/'))
    .filter(isSeedFileName)
    .sort();
  const entries: SeedFileEntry[] = [];
  // statSync in slices, yielding between them: a rescan of 10,000 unchanged files is mostly
  // stat calls, and going through the threadpool with a promise each costs about twice as much.
  // A slice of 500 blocks the event loop for a few milliseconds at most.
  for (let i = 0; i < candidates.length; i += 500) {
    if (i > 0) await yieldToEventLoop();
    for (const rel of candidates.slice(i, i + 500)) {
      const absolutePath = path.join(seedsDir, rel);
      let s: Stats | undefined;
      try {
        s = statSync(absolutePath, { throwIfNoEntry: false });
      } catch {
        s = undefined; // unreadable folder entry: treated as gone, like a file removed between readdir and stat
      }
      if (s?.isFile()) entries.push({ path: rel, absolutePath, size: s.size, mtimeMs: s.mtimeMs });
    }
  }
  return entries;
}
