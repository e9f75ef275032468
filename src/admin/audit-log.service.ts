import type { Clock } from '../shared/clock.ts';
import type { Db } from '../store/database.ts';
import { insertAuditEntry, listAuditEntries, type AuditEntry } from './audit-log.repository.ts';

/** Who did it, from where: the signed-in account and the client address of the request. */
export interface AuditActor {
  email: string;
  client: string | null;
}

export interface AuditChange {
  action: string;
  target: { kind: string; id: string | null };
  before?: unknown;
  after?: unknown;
}

/** The console's record of changes: each console route that changes something writes one entry after the change. */
export interface AuditLog {
  record(actor: AuditActor, change: AuditChange): Promise<void>;
  list(options: { page: number; pageSize: number; target?: { kind: string; id: string } }): Promise<{ total: number; items: AuditEntry[] }>;
}

export function createAuditLog(deps: { db: Db; clock: Clock }): AuditLog {
  return {
    record: (actor, change) =>
      insertAuditEntry(deps.db, {
        at: deps.clock.now(),
        actor: actor.email,
        client: actor.client,
        action: change.action,
        targetKind: change.target.kind,
        targetId: change.target.id,
        before: change.before ?? null,
        after: change.after ?? null,
      }),
    list: ({ page, pageSize, target }) => listAuditEntries(deps.db, { limit: pageSize, offset: (page - 1) * pageSize, target }),
  };
}
