import type { Clock } from '../shared/clock.ts';
import type { SeedFileRecord } from './seed-file.repository.ts';
import type { SeedFileEntry } from './list-seed-files.ts';
import { classifySeedFile, waitsOnOthers, type UnreadFile } from './plan-seed-changes.ts';
import { peekSlugOf } from './read-seed-file.ts';

/** A listed file the scan reads, with what the store recorded of it. */
export interface PendingRead {
  entry: SeedFileEntry;
  fingerprint: string;
  previous: SeedFileRecord | undefined;
}

export interface SortedSeedFiles {
  /** Files not read this scan, as the plan sees them. */
  unread: UnreadFile[];
  /** The stored records of files not read: their problems are still current. */
  unreadRecords: SeedFileRecord[];
  deferred: string[];
  toRead: PendingRead[];
}

/** Sorts the listed files into kept, deferred and to read, as `classifySeedFile` decides. */
export async function sortSeedFiles(
  entries: readonly SeedFileEntry[],
  known: ReadonlyMap<string, SeedFileRecord>,
  clock: Clock,
  quietMs: number,
): Promise<SortedSeedFiles> {
  const sorted: SortedSeedFiles = { unread: [], unreadRecords: [], deferred: [], toRead: [] };
  for (const entry of entries) {
    const fingerprint = `${entry.size}:${Math.trunc(entry.mtimeMs)}`;
    const previous = known.get(entry.path);
    // The file system writes mtime from the wall clock, which is what the service's clock is in
    // production; a test or a simulation that moves the clock moves the files' age with it.
    const ageMs = clock.now().getTime() - entry.mtimeMs;
    const kind = classifySeedFile(
      { fingerprint, ageMs },
      previous && { fingerprint: previous.fingerprint, waitsOnOthers: waitsOnOthers(previous.problems) },
      quietMs,
    );
    if (previous && kind === 'kept') {
      sorted.unreadRecords.push(previous);
      sorted.unread.push({ kind: 'kept', path: entry.path, slug: previous.slug });
    } else if (kind === 'deferred') {
      sorted.deferred.push(entry.path);
      if (previous) sorted.unreadRecords.push(previous);
      sorted.unread.push({ kind: 'deferred', path: entry.path, slug: previous?.slug ?? null, peekedSlug: await peekSlugOf(entry) });
    } else {
      sorted.toRead.push({ entry, fingerprint, previous });
    }
  }
  return sorted;
}
