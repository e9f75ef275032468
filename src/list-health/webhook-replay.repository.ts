import type { Db } from '../store/database.ts';

/**
 * Records a webhook token as used. True the first time; false when it was seen before (a replay),
 * whichever instance saw it: the primary key decides, so two instances racing both ask the store.
 * Expired tokens are deleted on the way: they can no longer pass the freshness check anyway.
 */
export async function claimWebhookToken(db: Db, source: string, token: string, expiresAt: Date, now: Date): Promise<boolean> {
  await db.deleteFrom('webhook_replay_tokens').where('expires_at', '<', now.toISOString()).execute();
  const result = await db
    .insertInto('webhook_replay_tokens')
    .values({ source, token, expires_at: expiresAt.toISOString() })
    .onConflict((oc) => oc.columns(['source', 'token']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}
