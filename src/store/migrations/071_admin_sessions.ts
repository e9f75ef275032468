import type { Kysely } from 'kysely';

/**
 * Console sessions, in the store so that every instance knows them and they survive a restart.
 * The cookie holds a random token; only its SHA-256 is stored, so a copy of the database signs
 * nobody in. Expiry is enforced on read (idle: last_seen_at; absolute: expires_at) and expired
 * rows are deleted as new sessions start.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('admin_users.id').onDelete('cascade'))
    // The synchronizer token every changing form of this session must carry.
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('client', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('admin_sessions_user_idx').on('admin_sessions').column('user_id').execute();
  await db.schema.createIndex('admin_sessions_expiry_idx').on('admin_sessions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admin_sessions').execute();
}
