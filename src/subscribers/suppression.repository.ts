import type { Selectable } from 'kysely';
import type { Db, SuppressionsTable } from '../store/database.ts';

/**
 * The only code that reads or writes suppressions. Rows are found by the keyed hash of an
 * address (suppression.service.ts makes it); a row with `liftedAt` set suppresses nothing.
 */

export type SuppressionReason = SuppressionsTable['reason'];
export const suppressionReasons: readonly SuppressionReason[] = ['deleted-by-subscriber', 'deleted-by-admin', 'complaint', 'operator'];

export interface Suppression {
  reason: SuppressionReason;
  source: string;
  createdAt: Date;
  liftedAt: Date | null;
  liftedBy: string | null;
}

/**
 * Suppresses the hash. An active suppression keeps its first reason (the one that explains why
 * the address is refused); a lifted one is suppressed again with the new reason.
 * Returns whether a row was written.
 */
export async function upsertSuppression(
  db: Db,
  s: { addressHash: string; reason: SuppressionReason; source: string; at: Date },
): Promise<boolean> {
  const values = { reason: s.reason, source: s.source.slice(0, 200), created_at: s.at.toISOString(), lifted_at: null, lifted_by: null };
  const result = await db
    .insertInto('suppressions')
    .values({ address_hash: s.addressHash, ...values })
    .onConflict((oc) => oc.column('address_hash').doUpdateSet(values).where('suppressions.lifted_at', 'is not', null))
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findSuppression(db: Db, addressHash: string): Promise<Suppression | undefined> {
  const row = await db.selectFrom('suppressions').selectAll().where('address_hash', '=', addressHash).executeTakeFirst();
  return row && toSuppression(row);
}

/** Which of these hashes are suppressed now (not lifted). */
export async function findActiveSuppressions(db: Db, addressHashes: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < addressHashes.length; i += 500) {
    const slice = addressHashes.slice(i, i + 500);
    if (slice.length === 0) continue;
    const rows = await db
      .selectFrom('suppressions')
      .select('address_hash')
      .where('address_hash', 'in', slice)
      .where('lifted_at', 'is', null)
      .execute();
    for (const row of rows) found.add(row.address_hash);
  }
  return found;
}

/** Lifts an active suppression, recording who and when; false when there was none to lift. */
export async function liftSuppressionRow(db: Db, addressHash: string, at: Date, actor: string): Promise<boolean> {
  const result = await db
    .updateTable('suppressions')
    .set({ lifted_at: at.toISOString(), lifted_by: actor.slice(0, 200) })
    .where('address_hash', '=', addressHash)
    .where('lifted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function toSuppression(row: Selectable<SuppressionsTable>): Suppression {
  return {
    reason: row.reason,
    source: row.source,
    createdAt: new Date(row.created_at),
    liftedAt: row.lifted_at ? new Date(row.lifted_at) : null,
    liftedBy: row.lifted_by,
  };
}
