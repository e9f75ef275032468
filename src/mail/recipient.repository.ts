import type { Db, SubscribersTable } from '../store/database.ts';

/** What the delivery engine needs to know about a subscriber, read just before each send. */
export interface Recipient {
  id: string;
  email: string;
  name: string | null;
  status: SubscribersTable['status'];
  frequency: SubscribersTable['frequency'];
}

export async function findRecipient(db: Db, subscriberId: string): Promise<Recipient | undefined> {
  return db.selectFrom('subscribers').select(['id', 'email', 'name', 'status', 'frequency']).where('id', '=', subscriberId).executeTakeFirst();
}

/** A permanent SMTP failure: the address takes no more mail until the subscriber signs up again. */
export async function markSubscriberBounced(db: Db, subscriberId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await db.updateTable('subscribers').set({ status: 'bounced', bounced_at: at, updated_at: at }).where('id', '=', subscriberId).where('status', 'in', ['pending', 'confirmed']).execute();
}

/** An operator restores subscribers bounced by a reply that was the server's problem, not theirs. Only rows still `bounced` change. */
export async function restoreBouncedSubscribers(db: Db, subscriberIds: readonly string[], now: Date): Promise<string[]> {
  const at = now.toISOString();
  const restored: string[] = [];
  for (let i = 0; i < subscriberIds.length; i += 500) {
    const rows = await db.updateTable('subscribers').set({ status: 'confirmed', bounced_at: null, updated_at: at }).where('id', 'in', subscriberIds.slice(i, i + 500)).where('status', '=', 'bounced').returning('id').execute();
    restored.push(...rows.map((r) => r.id));
  }
  return restored;
}
