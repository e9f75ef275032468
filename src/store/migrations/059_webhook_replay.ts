import type { Kysely } from 'kysely';

/**
 * Replay protection for signed webhooks: each signature token is accepted once while it is fresh
 * enough to be accepted at all; rows older than that window are deleted as new ones arrive.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_replay_tokens')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_replay_tokens_pk', ['source', 'token'])
    .execute();
  await db.schema.createIndex('webhook_replay_tokens_expiry_idx').on('webhook_replay_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_replay_tokens').execute();
}
