import { PostgresAdapter } from 'kysely';
import type { Db } from './database.ts';

/**
 * True when the database can lock rows and skip the locked ones (`FOR UPDATE SKIP LOCKED`):
 * PostgreSQL. SQLite has one writer at a time, so a plain conditional UPDATE is already a claim.
 * Read from the handle itself, so a repository needs no extra argument and a transaction answers
 * like its database.
 */
export function canSkipLockedRows(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
