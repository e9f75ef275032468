import { Migrator, sql, type Kysely } from 'kysely';
import { GazetteError, messageOf } from '../shared/errors.ts';
import type { Database } from './database.ts';
import { migrations } from './migrations/index.ts';

/** One migration this code knows, and when the store applied it (null: pending). */
export interface MigrationState {
  name: string;
  appliedAt: Date | null;
}

/** What `gazette migrate status` shows; `unknown`: applied by a newer Gazette than this one. */
export interface MigrationReport {
  migrations: MigrationState[];
  pending: string[];
  unknown: string[];
}

/** The names of every migration this code has, in the order they run. */
export const knownMigrationNames: readonly string[] = Object.keys(migrations).sort();

/**
 * Kysely's Migrator over our migrations. `migrationTableSchema` is the PostgreSQL schema that
 * holds Gazette's tables: Kysely looks for its tables in every schema unless told which.
 */
export function createStoreMigrator(db: Kysely<Database>, migrationTableSchema: string | undefined): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
}

export async function readMigrationReport(db: Kysely<Database>, migrationTableSchema: string | undefined): Promise<MigrationReport> {
  const infos = await createStoreMigrator(db, migrationTableSchema).getMigrations();
  const applied = await appliedMigrationNames(db, migrationTableSchema);
  const states = infos.map((i) => ({ name: i.name, appliedAt: i.executedAt ?? null }));
  return {
    migrations: states,
    pending: states.filter((s) => s.appliedAt === null).map((s) => s.name),
    unknown: applied.filter((name) => !knownMigrationNames.includes(name)),
  };
}

/**
 * Applies every pending migration; returns the names applied. Several instances may start at
 * once on one PostgreSQL database: the Migrator takes a session advisory lock around the whole
 * run and creates its own tables idempotently, so one migrates and the others find nothing to do.
 */
export async function applyPendingMigrations(db: Kysely<Database>, migrationTableSchema: string | undefined): Promise<string[]> {
  await refuseNewerDatabase(db, migrationTableSchema);
  const { error, results } = await createStoreMigrator(db, migrationTableSchema).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${messageOf(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** For a start without migrating: refuses (one line naming `gazette migrate up`) when anything is pending. */
export async function requireCurrentSchema(db: Kysely<Database>, migrationTableSchema: string | undefined): Promise<void> {
  await refuseNewerDatabase(db, migrationTableSchema);
  const { pending } = await readMigrationReport(db, migrationTableSchema);
  if (pending.length > 0)
    throw new GazetteError(
      'MigrationsPending',
      `The database needs ${pending.length} migration(s) (${pending.join(', ')}) and migrating at start is off (serve --no-migrate or database.migrateOnStart false): run \`gazette migrate up\` first.`,
    );
}

async function refuseNewerDatabase(db: Kysely<Database>, migrationTableSchema: string | undefined): Promise<void> {
  const unknown = (await appliedMigrationNames(db, migrationTableSchema)).filter((name) => !knownMigrationNames.includes(name));
  if (unknown.length > 0) throw newerDatabaseError(unknown);
}

/** The one line for a database a newer Gazette has migrated: this code cannot know its tables. */
export function newerDatabaseError(unknown: readonly string[]): GazetteError {
  return new GazetteError(
    'DatabaseTooNew',
    `The database was migrated by a newer Gazette (migration ${unknown.join(', ')} is unknown to this version): run that version, or restore a backup taken with this one.`,
  );
}

/** Names in Kysely's migration table; none when it does not exist yet (a fresh database). */
async function appliedMigrationNames(db: Kysely<Database>, migrationTableSchema: string | undefined): Promise<string[]> {
  const table = sql.table(migrationTableSchema ? `${migrationTableSchema}.kysely_migration` : 'kysely_migration');
  try {
    const { rows } = await sql<{ name: string }>`select name from ${table} order by name`.execute(db);
    return rows.map((r) => r.name);
  } catch (error) {
    if (/no such table|does not exist/i.test(messageOf(error))) return [];
    throw error;
  }
}
