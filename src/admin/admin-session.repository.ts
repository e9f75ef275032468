import type { Db } from '../store/database.ts';

/** SQL for admin_sessions. Tokens arrive here already hashed (admin-session.service.ts). */
export interface StoredSession {
  tokenHash: string;
  userId: string;
  email: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

export interface NewSession {
  tokenHash: string;
  userId: string;
  csrfToken: string;
  now: Date;
  expiresAt: Date;
  client: string | null;
  userAgent: string | null;
}

export async function insertSession(db: Db, session: NewSession): Promise<void> {
  const at = session.now.toISOString();
  await db
    .insertInto('admin_sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      csrf_token: session.csrfToken,
      created_at: at,
      last_seen_at: at,
      expires_at: session.expiresAt.toISOString(),
      client: session.client,
      user_agent: session.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
}

/** The session with its user's address; undefined when unknown (expiry is the service's question). */
export async function findSession(db: Db, tokenHash: string): Promise<StoredSession | undefined> {
  const row = await db
    .selectFrom('admin_sessions')
    .innerJoin('admin_users', 'admin_users.id', 'admin_sessions.user_id')
    .select([
      'admin_sessions.token_hash',
      'admin_sessions.user_id',
      'admin_users.email',
      'admin_sessions.csrf_token',
      'admin_sessions.created_at',
      'admin_sessions.last_seen_at',
      'admin_sessions.expires_at',
    ])
    .where('admin_sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  return (
    row && {
      tokenHash: row.token_hash,
      userId: row.user_id,
      email: row.email,
      csrfToken: row.csrf_token,
      createdAt: new Date(row.created_at),
      lastSeenAt: new Date(row.last_seen_at),
      expiresAt: new Date(row.expires_at),
    }
  );
}

export async function touchSession(db: Db, tokenHash: string, now: Date): Promise<void> {
  await db.updateTable('admin_sessions').set({ last_seen_at: now.toISOString() }).where('token_hash', '=', tokenHash).execute();
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('admin_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteSessionsOfUser(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('admin_sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes sessions past their absolute end or idle since before `idleBefore`. */
export async function deleteExpiredSessions(db: Db, now: Date, idleBefore: Date): Promise<void> {
  await db
    .deleteFrom('admin_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now.toISOString()), eb('last_seen_at', '<=', idleBefore.toISOString())]))
    .execute();
}
