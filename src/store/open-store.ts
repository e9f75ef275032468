import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import { migrations } from './migrations/index.ts';

export type StoreDialect = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** Where the data lives, for logs and /healthz (a file path, or the PostgreSQL URL without password). */
  readonly location: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** null: the SQLite file gazette.sqlite under dataDir. */
  url: string | null;
  dataDir: string;
}

/** Opens the store and runs every pending migration (safe on several instances at once). */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.url?.startsWith('postgres') ? openPostgres(options.url) : openSqlite(sqlitePath(options));
  await migrateToLatest(store);
  return store;
}

function sqlitePath(options: StoreOptions): string {
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

function openPostgres(url: string): Store {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    // A ?schema= parameter isolates one instance group (and each test run) inside a shared database.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  parsed.password = '';
  return { db, dialect: 'postgres', location: parsed.toString(), close: () => db.destroy() };
}

async function migrateToLatest({ db, dialect }: Store): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema it can see unless told which one:
  // a database holding several Gazette schemas (instance groups, test runs) would find another
  // schema's tables and skip creating its own.
  const schema = dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
}
