import type { Kysely } from 'kysely';

/**
 * People who sign in to the operator console (/admin). The password is kept only as a scrypt
 * hash that carries its own salt and parameters (admin/password-hash.ts), so stronger parameters
 * can come later without invalidating existing hashes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Lower-cased: one account per address, whatever case it is typed in.
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('password_changed_at', 'text', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admin_users').execute();
}
