import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AdminAuditLogTable, Db } from '../store/database.ts';

/** SQL for admin_audit_log: every change an operator made from the console. */
export interface AuditEntry {
  id: string;
  at: Date;
  actor: string;
  client: string | null;
  action: string;
  targetKind: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

function toEntry(row: Selectable<AdminAuditLogTable>): AuditEntry {
  return {
    id: row.id,
    at: new Date(row.at),
    actor: row.actor,
    client: row.client,
    action: row.action,
    targetKind: row.target_kind,
    targetId: row.target_id,
    before: row.before === null ? null : JSON.parse(row.before),
    after: row.after === null ? null : JSON.parse(row.after),
  };
}

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

export async function insertAuditEntry(db: Db, entry: NewAuditEntry): Promise<void> {
  await db
    .insertInto('admin_audit_log')
    .values({
      id: randomUUID(),
      at: entry.at.toISOString(),
      actor: entry.actor,
      client: entry.client,
      action: entry.action,
      target_kind: entry.targetKind,
      target_id: entry.targetId,
      before: json(entry.before),
      after: json(entry.after),
    })
    .execute();
}

/** Newest first, with the total for pagination; optionally only the entries about one target. */
export async function listAuditEntries(
  db: Db,
  options: { limit: number; offset: number; target?: { kind: string; id: string } },
): Promise<{ total: number; items: AuditEntry[] }> {
  let q = db.selectFrom('admin_audit_log');
  if (options.target) q = q.where('target_kind', '=', options.target.kind).where('target_id', '=', options.target.id);
  const counted = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).offset(options.offset).execute();
  return { total: Number(counted.n), items: rows.map(toEntry) };
}

/**
 * Erasing a subscriber (GDPR article 17) also blanks what the log quoted of them (a name, an
 * address): the entries stay, saying who changed what and when, without the personal values.
 */
export async function redactAuditOfTarget(db: Db, kind: string, id: string): Promise<void> {
  await db
    .updateTable('admin_audit_log')
    .set({ before: JSON.stringify('(erased)'), after: JSON.stringify('(erased)') })
    .where('target_kind', '=', kind)
    .where('target_id', '=', id)
    .execute();
}
