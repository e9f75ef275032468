import SqliteDatabase from 'better-sqlite3';
import { GazetteError, messageOf } from '../shared/errors.ts';
import { knownMigrationNames } from './store-migrations.ts';

/** What a verified copy of a Gazette SQLite database holds. */
export interface SqliteCopyFacts {
  pages: number;
  pageSize: number;
  /** Migrations applied in the copy, by name. */
  migrations: string[];
  /** Migrations this code has that the copy lacks: they run at the next start (or `gazette migrate up`). */
  pending: string[];
}

const GAZETTE_TABLES = ['kysely_migration', 'subscribers', 'deliveries'];

/**
 * Checks a copy of a database before it is kept or put in place: SQLite's integrity check finds
 * nothing, it is Gazette's (its migration table and core tables exist), and no migration in it is
 * newer than this code. Turns the copy into a single self-contained file (rollback journal, not
 * WAL), so it can be moved and opened without a `-wal` beside it. `label` names the file in errors
 * (the operator's file, not the staging copy). Only ever opens a copy of ours read-write.
 */
export function verifySqliteCopy(copy: string, label: string): SqliteCopyFacts {
  let db: SqliteDatabase.Database | undefined;
  try {
    db = new SqliteDatabase(copy, { fileMustExist: true });
    db.pragma('journal_mode = DELETE');
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok')
      throw invalid(`${label} fails SQLite's integrity check (${problems.slice(0, 3).join('; ')}): use another backup.`);
    const tables = db
      .prepare(`select name from sqlite_master where type = 'table' and name in (${GAZETTE_TABLES.map(() => '?').join(', ')})`)
      .pluck()
      .all(...GAZETTE_TABLES) as string[];
    const missing = GAZETTE_TABLES.filter((t) => !tables.includes(t));
    if (missing.length > 0)
      throw invalid(
        `${label} is a SQLite database but not Gazette's (no ${missing.join(', ')} table): choose a file made by \`gazette backup\`.`,
      );
    const migrations = db.prepare('select name from kysely_migration order by name').pluck().all() as string[];
    const unknown = migrations.filter((m) => !knownMigrationNames.includes(m));
    if (unknown.length > 0)
      throw new GazetteError(
        'DatabaseTooNew',
        `${label} was made by a newer Gazette (migration ${unknown.join(', ')} is unknown to this version): restore it with that version.`,
      );
    return {
      pages: db.pragma('page_count', { simple: true }) as number,
      pageSize: db.pragma('page_size', { simple: true }) as number,
      migrations,
      pending: knownMigrationNames.filter((m) => !migrations.includes(m)),
    };
  } catch (error) {
    if (error instanceof GazetteError) throw error;
    // SQLITE_NOTADB: not a database at all; SQLITE_CORRUPT: a damaged one that fails before the check.
    const code = (error as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB') throw invalid(`${label} is not a SQLite database: choose a file made by \`gazette backup\`.`, error);
    if (code.startsWith('SQLITE_CORRUPT'))
      throw invalid(`${label} is a damaged SQLite database (${messageOf(error)}): use another backup.`, error);
    throw error;
  } finally {
    db?.close();
  }
}

function invalid(message: string, cause?: unknown): GazetteError {
  return new GazetteError('InvalidBackup', message, {}, cause === undefined ? undefined : { cause });
}
