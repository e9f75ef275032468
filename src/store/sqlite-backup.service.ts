import { existsSync, linkSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import { GazetteError } from '../shared/errors.ts';
import { fileTimestamp, removeQuietly, syncDirectoryOf, syncToDisk } from './sqlite-files.ts';
import { verifySqliteCopy } from './sqlite-file-check.ts';

export interface BackupOptions {
  /** The live database file. */
  source: string;
  /** Where the copy goes; it must not exist unless `force`. */
  output: string;
  force: boolean;
}

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  durationMs: number;
  migrations: number;
}

/** Pages per step of the online backup: all of them, so the copy is one read transaction (see below). */
const ALL_PAGES = 0x7fffffff;

/** `<dataDir>/backups/gazette-20261129T151342Z.sqlite`. */
export function defaultBackupPath(dataDir: string, now: Date): string {
  return path.join(dataDir, 'backups', `gazette-${fileTimestamp(now)}.sqlite`);
}

/**
 * A consistent copy of a live SQLite database through SQLite's online backup API, while the
 * service goes on reading and writing it. The copy is made in one step: one read transaction,
 * so under WAL it is the database as of one instant and the service's writers are not held
 * back. (Copied in small steps, each write by another process would restart the copy, which
 * may then never finish under a busy send.) The copy is written beside the output under a
 * temporary name, verified (integrity check, the same migrations as the source), made a single
 * self-contained file, flushed, and only then given its name: an interrupted backup never
 * leaves a half file under the name asked for, and an existing file is never replaced unless
 * `force`.
 */
export async function backupSqliteDatabase(options: BackupOptions): Promise<BackupResult> {
  const { source, output, force } = options;
  if (!existsSync(source))
    throw new GazetteError(
      'InvalidArgument',
      `There is no database at ${source} to back up: check paths.dataDir (GAZETTE_DATA_DIR) or database.url (DATABASE_URL).`,
    );
  if (existsSync(output) && !force) throw outputExists(output);
  mkdirSync(path.dirname(output), { recursive: true });
  const partial = `${output}.partial-${process.pid}`;
  removeQuietly(partial);
  const started = performance.now();
  try {
    const live = new SqliteDatabase(source, { fileMustExist: true, timeout: 5000 });
    let sourceMigrations: string[];
    try {
      await live.backup(partial, { progress: () => ALL_PAGES });
      sourceMigrations = live.prepare('select name from kysely_migration order by name').pluck().all() as string[];
    } finally {
      live.close();
    }
    const facts = verifySqliteCopy(partial, `The backup copy ${partial}`);
    if (facts.migrations.join() !== sourceMigrations.join())
      throw new GazetteError(
        'InvalidBackup',
        `The backup copy's migrations (${facts.migrations.length}) differ from the database's (${sourceMigrations.length}): a migration ran during the backup; run it again.`,
      );
    syncToDisk(partial);
    publish(partial, output, force);
    return {
      file: output,
      bytes: statSync(output).size,
      pages: facts.pages,
      durationMs: performance.now() - started,
      migrations: facts.migrations.length,
    };
  } finally {
    removeQuietly(partial);
  }
}

/** Gives the verified copy its name: link() fails if the name exists (no race with another backup); rename() replaces. */
function publish(partial: string, output: string, force: boolean): void {
  if (force) renameSync(partial, output);
  else {
    try {
      linkSync(partial, output);
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') throw outputExists(output);
      throw error;
    }
  }
  syncDirectoryOf(output);
}

function outputExists(output: string): GazetteError {
  return new GazetteError('FileExists', `${output} already exists: choose another --output, or add --force to replace it.`);
}
