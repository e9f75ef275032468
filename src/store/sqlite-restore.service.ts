import { constants, copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { GazetteError } from '../shared/errors.ts';
import { fileTimestamp, removeQuietly, SQLITE_SIDE_FILES, syncDirectoryOf, syncToDisk } from './sqlite-files.ts';
import { verifySqliteCopy } from './sqlite-file-check.ts';
import { holdExclusively, type ExclusiveHold } from './sqlite-lock.ts';

export interface RestoreOptions {
  /** The backup to restore (made by `gazette backup`). */
  backup: string;
  /** The database file the service uses. */
  target: string;
  now: Date;
}

export interface RestoreResult {
  target: string;
  /** Where the database that was there went (null: there was none). */
  keptAside: string | null;
  pages: number;
  migrations: number;
  /** Migrations of this code the backup lacks: they run at the next start or with `gazette migrate up`. */
  pending: string[];
}

/**
 * Puts a backup in place of the database, with nothing running on it. In order:
 * 1. copy the backup into the database's directory (so the swap is a rename on one filesystem),
 *    and verify the copy: integrity check, Gazette's, no migration newer than this code;
 * 2. take the current database for this process alone (refused at once while a service or any
 *    command has it open; a crashed one holds nothing), which also folds its WAL into it;
 * 3. keep it aside as `<name>.before-restore-<time>` (never deleted), remove stale `-wal`/`-shm`
 *    files (SQLite would otherwise replay an old WAL into the restored file), and rename the copy
 *    into place. The renames happen while the hold is kept, so nobody opens the old file midway.
 */
export function restoreSqliteDatabase(options: RestoreOptions): RestoreResult {
  const { backup, target, now } = options;
  if (!existsSync(backup) || !statSync(backup).isFile())
    throw new GazetteError('InvalidArgument', `There is no file ${backup} to restore: give the path of a file made by \`gazette backup\`.`);
  mkdirSync(path.dirname(target), { recursive: true });
  const stamp = fileTimestamp(now);
  const staging = `${target}.restoring-${stamp}`;
  removeQuietly(staging);
  let hold: ExclusiveHold | undefined;
  try {
    copyFileSync(backup, staging, constants.COPYFILE_EXCL);
    const facts = verifySqliteCopy(staging, backup);
    syncToDisk(staging);
    let keptAside: string | null = null;
    if (existsSync(target)) {
      hold = holdExclusively(target);
      keptAside = `${target}.before-restore-${stamp}`;
      renameSync(target, keptAside);
      // A damaged database's WAL may hold what is left of its last writes: kept beside it, under the name SQLite pairs with it.
      if (hold.damaged && existsSync(`${target}-wal`)) renameSync(`${target}-wal`, `${keptAside}-wal`);
    }
    for (const suffix of SQLITE_SIDE_FILES) removeQuietly(`${target}${suffix}`);
    renameSync(staging, target);
    syncDirectoryOf(target);
    return { target, keptAside, pages: facts.pages, migrations: facts.migrations.length, pending: facts.pending };
  } finally {
    hold?.release();
    removeQuietly(staging);
  }
}
