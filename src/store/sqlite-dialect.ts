import { setTimeout as sleep } from 'node:timers/promises';
import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import { errorCodeOf } from './store-errors.ts';

/** How often BEGIN IMMEDIATE is tried; each try already waits up to busy_timeout (5 s) inside SQLite. */
const BEGIN_ATTEMPTS = 6;

/**
 * Kysely's SQLite dialect, with every transaction started as a writer (BEGIN IMMEDIATE).
 *
 * Kysely begins with a plain BEGIN (DEFERRED) and offers no setting for it (kysely#1152). In
 * WAL mode a deferred transaction that reads and then writes cannot wait for another process's
 * write to finish: if that process committed since our read, SQLite answers SQLITE_BUSY at once,
 * without calling the busy handler (waiting could deadlock). That is how one-click unsubscribe
 * answered 500 while `gazette digest send` ran. BEGIN IMMEDIATE takes the write lock first, so
 * it waits on busy_timeout like any single write. Every transaction of Gazette writes, so all
 * of them begin this way. A writer that holds the lock longer than busy_timeout gets a few more
 * tries, spaced out without blocking the event loop, before the caller sees DatabaseBusy (503).
 */
export function createSqliteDialect(database: SqliteDatabase.Database): SqliteDialect {
  return new ImmediateSqliteDialect({ database });
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        return;
      } catch (error) {
        const busy = errorCodeOf(error).startsWith('SQLITE_BUSY');
        if (!busy || attempt >= BEGIN_ATTEMPTS) throw error;
        await sleep(50 * attempt);
      }
    }
  }
}
