import type { Db } from '../store/database.ts';

/**
 * SQL for edition_pauses: editions the bounce circuit breaker stopped. A row with `resumed_at`
 * null holds the edition's deliveries in the queue (the claim skips them); an operator's resume
 * sets `resumed_at`, and the breaker then counts only bounces after it.
 */
export interface EditionPause {
  editionId: string;
  pausedAt: Date;
  reason: string;
  resumedAt: Date | null;
}

export async function pauseEdition(db: Db, editionId: string, reason: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await db
    .insertInto('edition_pauses')
    .values({ edition_id: editionId, paused_at: at, reason, resumed_at: null })
    .onConflict((oc) => oc.column('edition_id').doUpdateSet({ paused_at: at, reason, resumed_at: null }))
    .execute();
}

/** Returns whether the edition was paused (and is not any more). */
export async function resumeEdition(db: Db, editionId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('edition_pauses')
    .set({ resumed_at: now.toISOString() })
    .where('edition_id', '=', editionId)
    .where('resumed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function findEditionPause(db: Db, editionId: string): Promise<EditionPause | undefined> {
  const row = await db.selectFrom('edition_pauses').selectAll().where('edition_id', '=', editionId).executeTakeFirst();
  return (
    row && {
      editionId: row.edition_id,
      pausedAt: new Date(row.paused_at),
      reason: row.reason,
      resumedAt: row.resumed_at ? new Date(row.resumed_at) : null,
    }
  );
}

/** Editions stopped now (not resumed), newest first: for /healthz and `gazette status`. */
export async function listPausedEditions(db: Db): Promise<EditionPause[]> {
  const rows = await db.selectFrom('edition_pauses').selectAll().where('resumed_at', 'is', null).orderBy('paused_at', 'desc').execute();
  return rows.map((row) => ({ editionId: row.edition_id, pausedAt: new Date(row.paused_at), reason: row.reason, resumedAt: null }));
}
