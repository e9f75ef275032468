import type { Selectable } from 'kysely';
import type { AdminUsersTable, Db } from '../store/database.ts';

/** SQL for admin_users: the people who sign in to the console. */
export interface AdminUser {
  id: string;
  email: string;
  createdAt: Date;
  passwordChangedAt: Date;
  lastSignInAt: Date | null;
}

export interface AdminUserWithHash extends AdminUser {
  passwordHash: string;
}

function toAdminUser(row: Selectable<AdminUsersTable>): AdminUserWithHash {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: new Date(row.created_at),
    passwordChangedAt: new Date(row.password_changed_at),
    lastSignInAt: row.last_sign_in_at ? new Date(row.last_sign_in_at) : null,
  };
}

/** Returns false when the address already has an account. */
export async function insertAdminUser(db: Db, user: { id: string; email: string; passwordHash: string; now: Date }): Promise<boolean> {
  const at = user.now.toISOString();
  const result = await db
    .insertInto('admin_users')
    .values({
      id: user.id,
      email: user.email,
      password_hash: user.passwordHash,
      created_at: at,
      password_changed_at: at,
      last_sign_in_at: null,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findAdminUserByEmail(db: Db, email: string): Promise<AdminUserWithHash | undefined> {
  const row = await db.selectFrom('admin_users').selectAll().where('email', '=', email).executeTakeFirst();
  return row && toAdminUser(row);
}

export async function findAdminUserById(db: Db, id: string): Promise<AdminUser | undefined> {
  const row = await db.selectFrom('admin_users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const { passwordHash: _hash, ...user } = toAdminUser(row);
  return user;
}

export async function listAdminUsers(db: Db): Promise<AdminUser[]> {
  const rows = await db.selectFrom('admin_users').selectAll().orderBy('email').execute();
  return rows.map((row) => {
    const { passwordHash: _hash, ...user } = toAdminUser(row);
    return user;
  });
}

export async function updateAdminPassword(db: Db, id: string, passwordHash: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('admin_users')
    .set({ password_hash: passwordHash, password_changed_at: now.toISOString() })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function recordAdminSignIn(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('admin_users').set({ last_sign_in_at: now.toISOString() }).where('id', '=', id).execute();
}

export async function deleteAdminUser(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('admin_users').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
