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
