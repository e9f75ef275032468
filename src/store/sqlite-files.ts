import { closeSync, fsyncSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';

/** The files SQLite keeps beside a database: WAL, its index, a rollback journal. */
export const SQLITE_SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

/** A UTC time as it goes into a file name: 20261129T151342Z (sorts, and has no colon). */
export function fileTimestamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Flushes a file (or a directory's entries, after a rename) to the disk. */
export function syncToDisk(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function syncDirectoryOf(file: string): void {
  syncToDisk(path.dirname(file));
}

export function removeQuietly(file: string): void {
  rmSync(file, { force: true });
}
