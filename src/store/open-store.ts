import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { GazetteError } from '../shared/errors.ts';
import type { Database } from './database.ts';
import { createPostgresDialect } from './postgres-dialect.ts';
import { createSqliteDialect } from './sqlite-dialect.ts';
import { applyPendingMigrations, requireCurrentSchema } from './store-migrations.ts';
import { withStoreErrors } from './store-driver.ts';
import { describeStoreOpenFailure } from './store-errors.ts';

export type StoreDialect = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** Where the data lives, for logs and /healthz (a file path, or the PostgreSQL URL without password). */
  readonly location: string;
  /** PostgreSQL: the schema that holds Gazette's tables and Kysely's migration tables. */
  readonly migrationTableSchema?: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** null: the SQLite file gazette.sqlite under dataDir. */
  url: string | null;
  dataDir: string;
  /**
   * 'latest' (the default): apply pending migrations. 'refuse-pending': apply none, and refuse
   * to open a store that has some (`serve --no-migrate`). 'none': neither (`gazette migrate`).
   */
  migrate?: 'latest' | 'refuse-pending' | 'none';
}

/**
 * Opens the store and runs every pending migration (safe on several instances at once), or
 * checks that none is pending (see StoreOptions.migrate). A store that cannot be opened (a data
 * directory that is a file or read-only, PostgreSQL unreachable or refusing the credentials, a
 * database a newer Gazette migrated) is a GazetteError naming the setting and what to do.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const opened = isPostgresUrl(options.url) ? openPostgres(options.url!) : openSqliteOrExplain(sqlitePath(options));
  let store = opened;
  try {
    if (opened.dialect === 'postgres') store = { ...opened, migrationTableSchema: await migrationSchemaOf(opened.db, options.url!) };
    const mode = options.migrate ?? 'latest';
    if (mode === 'latest') await applyPendingMigrations(store.db, store.migrationTableSchema);
    if (mode === 'refuse-pending') await requireCurrentSchema(store.db, store.migrationTableSchema);
  } catch (error) {
    await store.close();
    throw describeStoreOpenFailure(error, store) ?? error;
  }
  return store;
}

function openSqliteOrExplain(file: string): Store {
  const dir = path.dirname(file);
  const existing = statSync(dir, { throwIfNoEntry: false });
  if (existing && !existing.isDirectory()) {
    throw new GazetteError(
      'DataDirUnusable',
      `${dir} is a file, not a directory: set paths.dataDir (GAZETTE_DATA_DIR) to a directory, or move the file away.`,
    );
  }
  try {
    return openSqlite(file);
  } catch (error) {
    throw describeStoreOpenFailure(error, { dialect: 'sqlite', location: file }) ?? error;
  }
}

export function isPostgresUrl(url: string | null): boolean {
  return url?.startsWith('postgres') ?? false;
}

/** The SQLite file a store with these options uses (meaningless for PostgreSQL). */
export function sqlitePath(options: Pick<StoreOptions, 'url' | 'dataDir'>): string {
  if (options.url?.startsWith('sqlite:')) return path.resolve(options.url.slice('sqlite:'.length));
  return path.join(options.dataDir, 'gazette.sqlite');
}

function openSqlite(file: string): Store {
  mkdirSync(path.dirname(file), { recursive: true });
  const connection = new SqliteDatabase(file);
  // WAL lets readers (HTTP) run while the scheduler writes; busy_timeout covers a second process (the CLI).
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: withStoreErrors(createSqliteDialect(connection), { dialect: 'sqlite', location: file }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

function openPostgres(url: string): Store {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    // A server that does not answer at all (a host gone, a dropped route) fails a request after
    // this long, as DatabaseUnavailable, instead of holding it until the client gives up.
    connectionTimeoutMillis: 10_000,
    // A ?schema= parameter isolates one instance group (and each test run) inside a shared database.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle pooled client whose server went away emits 'error'; unheard, it would end the
  // process. The pool drops that client and the next query connects again (or fails, and its
  // caller gets DatabaseUnavailable), so there is nothing to do here but not crash.
  pool.on('error', () => undefined);
  // pg-pool listens for that only while a client is idle: a server that goes away while a
  // client is checked out between two queries (inside a transaction, or just acquired) makes
  // that client emit 'error' with nobody listening, which ends the process. Its pending or next
  // query fails instead (DatabaseUnavailable) and the pool discards it when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  parsed.password = '';
  const location = parsed.toString();
  const db = new Kysely<Database>({ dialect: withStoreErrors(createPostgresDialect(pool), { dialect: 'postgres', location }) });
  return { db, dialect: 'postgres', location, close: () => db.destroy() };
}

/**
 * The schema that holds Kysely's migration tables: the one Gazette's tables go in. Kysely looks
 * for its tables in every schema unless told which, so without this a second schema in the same
 * database (another Gazette, another test run) would find the first one's tables and not migrate.
 */
async function migrationSchemaOf(db: Kysely<Database>, url: string): Promise<string> {
  const configured = new URL(url).searchParams.get('schema');
  if (configured) return configured;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? 'public';
}
