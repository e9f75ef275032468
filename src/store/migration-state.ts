import { sql, type Kysely } from 'kysely';
import type { Database } from './database.ts';
import { migrations } from './migrations/index.ts';

/**
 * The migrations this build knows that the store has not run, oldest first; [] when the schema
 * is current. Read from Kysely's own ledger (`kysely_migration`, in the schema the connection
 * searches first), so it answers the same whether `serve` migrated or a deployment step did.
 */
export async function listPendingMigrations(db: Kysely<Database>): Promise<string[]> {
  let applied: Set<string>;
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    applied = new Set(rows.map((r) => r.name));
  } catch (error) {
    // No ledger yet: nothing was ever migrated. Any other failure (the store down) is the caller's.
    if (/kysely_migration/.test((error as Error).message)) applied = new Set();
    else throw error;
  }
  return Object.keys(migrations).filter((name) => !applied.has(name));
}
