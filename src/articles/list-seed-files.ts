import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { GazetteError } from '../shared/errors.ts';

export interface SeedFileEntry {
  /** Relative to the seeds directory, with forward slashes: the name problems are reported under. */
  path: string;
  absolutePath: string;
  size: number;
  mtimeMs: number;
}

/** Every `*.txt` file below `seedsDir`; dot-files, dot-folders and other extensions are ignored. */
export async function listSeedFileEntries(seedsDir: string): Promise<SeedFileEntry[]> {
  let names: string[];
  try {
    names = await readdir(seedsDir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new GazetteError('SeedDirectoryMissing', `The seeds directory ${seedsDir} does not exist: create it or set paths.seedsDir (GAZETTE_SEEDS_DIR).`);
    }
    throw error;
  }
  const candidates = names
    .map((n) => n.split(path.sep).join('/'))
    .filter((n) => n.endsWith('.txt') && !n.split('/').some((part) => part.startsWith('.')))
    .sort();
  const entries: SeedFileEntry[] = [];
  for (let i = 0; i < candidates.length; i += 256) {
    const batch = await Promise.all(
      candidates.slice(i, i + 256).map(async (rel) => {
        const absolutePath = path.join(seedsDir, rel);
        try {
          const s = await stat(absolutePath);
          return s.isFile() ? { path: rel, absolutePath, size: s.size, mtimeMs: s.mtimeMs } : undefined;
        } catch {
          return undefined; // removed between readdir and stat: it is gone
        }
      }),
    );
    for (const e of batch) if (e) entries.push(e);
  }
  return entries;
}
