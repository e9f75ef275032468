import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import { GazetteError } from '../shared/errors.ts';
import { FREQUENCIES, type Frequency } from '../shared/frequency.ts';
import type { Database, Db } from '../store/database.ts';
import { deleteConfirmationsOf, voidOpenConfirmations } from './confirmation.repository.ts';
import {
  countSubscribersBy,
  deleteSubscriberRow,
  findSubscriberById,
  searchSubscribers,
  updateSubscriber,
  type SubscriberSearch,
} from './subscriber.repository.ts';
import { subscriberStatuses, type Subscriber, type SubscriberStatus } from './subscriber.ts';
import { insertSubscriberEvents, listSubscriberEvents, type SubscriberEvent } from './subscriber-event.repository.ts';
import type { SuppressSubscriber } from './suppression.service.ts';
import { SIGNUP_REFUSALS, type SignupRefusal } from './signup-guard.ts';
import { sumSignupRefusals } from './signup-guard.repository.ts';

/** What operators do to the list, from the admin API and the CLI alike. */
export interface SubscriberAdminDeps {
  db: Kysely<Database>;
  clock: Clock;
  forgetSubscriber?: (db: Db, subscriberId: string) => Promise<void>;
  /** Keys the suppression list (suppression.service.ts): the admin API's suppression routes use these deps too. */
  signer: LinkSigner;
  /** Keeps a keyed hash of a deleted address so that it is not signed up or imported again. */
  suppressSubscriber: SuppressSubscriber;
}

export interface SubscriberPage {
  items: Subscriber[];
  total: number;
  page: number;
  pageSize: number;
}

export async function listSubscribers(
  deps: SubscriberAdminDeps,
  search: Omit<SubscriberSearch, 'limit' | 'offset'> & { page: number; pageSize: number },
): Promise<SubscriberPage> {
  const { page, pageSize, ...filters } = search;
  const found = await searchSubscribers(deps.db, { ...filters, limit: pageSize, offset: (page - 1) * pageSize });
  return { ...found, page, pageSize };
}

export async function getSubscriber(deps: SubscriberAdminDeps, id: string): Promise<Subscriber> {
  const subscriber = await findSubscriberById(deps.db, id);
  if (!subscriber) throw new GazetteError('SubscriberNotFound', `No subscriber has the id "${id}".`);
  return subscriber;
}

/** One subscriber with the record of their bounces and restores, oldest first: what an operator looks at before a restore. */
export async function getSubscriberWithEvents(
  deps: SubscriberAdminDeps,
  id: string,
): Promise<{ subscriber: Subscriber; events: SubscriberEvent[] }> {
  const subscriber = await getSubscriber(deps, id);
  return { subscriber, events: await listSubscriberEvents(deps.db, id) };
}

export interface SubscriberChanges {
  status?: SubscriberStatus;
  frequency?: Frequency;
  name?: string | null;
}

/**
 * An operator's change; moving a status also sets the matching timestamp, as the flows do, and is
 * recorded on the subscriber (who, from what to what): `restored` when it undoes a bounce, else
 * `status-changed`. Back to `confirmed` also stamps `confirmedAt`, which ends the soft-bounce count.
 */
export async function changeSubscriber(
  deps: SubscriberAdminDeps,
  id: string,
  changes: SubscriberChanges,
  actor = 'admin',
): Promise<Subscriber> {
  const at = deps.clock.now();
  const before = await getSubscriber(deps, id);
  await deps.db.transaction().execute(async (trx) => {
    const stamps =
      changes.status && changes.status !== before.status
        ? {
            ...(changes.status === 'confirmed' ? { confirmedAt: at, unsubscribedAt: null, bouncedAt: null } : {}),
            ...(changes.status === 'unsubscribed' ? { unsubscribedAt: at } : {}),
            ...(changes.status === 'bounced' ? { bouncedAt: at } : {}),
          }
        : {};
    await updateSubscriber(trx, id, { ...changes, ...stamps, updatedAt: at });
    if (changes.status === 'unsubscribed' || changes.status === 'bounced') await voidOpenConfirmations(trx, id, at);
    if (changes.status && changes.status !== before.status)
      await insertSubscriberEvents(trx, [
        {
          subscriberId: id,
          editionId: null,
          kind: before.status === 'bounced' && changes.status === 'confirmed' ? 'restored' : 'status-changed',
          reply: null,
          actor,
          reason: `${before.status} → ${changes.status}`,
          at,
        },
      ]);
  });
  return getSubscriber(deps, id);
}

/** Deletes the subscriber and their rows; the address is suppressed in the same transaction. */
export async function deleteSubscriber(deps: SubscriberAdminDeps, id: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await deps.suppressSubscriber(trx, id, 'deleted-by-admin', 'admin');
    await deps.forgetSubscriber?.(trx, id);
    await deleteConfirmationsOf(trx, id);
    if (!(await deleteSubscriberRow(trx, id))) throw new GazetteError('SubscriberNotFound', `No subscriber has the id "${id}".`);
  });
}

export interface SubscriberStats {
  total: number;
  byStatus: Record<SubscriberStatus, number>;
  byFrequency: Record<Frequency, number>;
  /** Sign-ups refused as automated (each answered like a real one, nothing created), by reason. */
  refusedSignups: {
    /** The last 30 days, today included (days in UTC). */
    last30Days: Record<SignupRefusal, number>;
    /** Since the counts began. */
    total: Record<SignupRefusal, number>;
  };
}

export async function subscriberStats(deps: SubscriberAdminDeps): Promise<SubscriberStats> {
  const byStatus = await countSubscribersBy(deps.db, 'status');
  const byFrequency = await countSubscribersBy(deps.db, 'frequency');
  const windowStart = new Date(deps.clock.now().getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
  const [recentRefusals, allRefusals] = await Promise.all([
    sumSignupRefusals(deps.db, windowStart),
    sumSignupRefusals(deps.db, '0000-01-01'),
  ]);
  const fill = <K extends string>(keys: readonly K[], counts: Record<string, number>): Record<K, number> =>
    Object.fromEntries(keys.map((k) => [k, counts[k] ?? 0])) as Record<K, number>;
  const status = fill(subscriberStatuses, byStatus);
  return {
    total: Object.values(status).reduce((a, b) => a + b, 0),
    byStatus: status,
    byFrequency: fill(FREQUENCIES, byFrequency),
    refusedSignups: { last30Days: fill(SIGNUP_REFUSALS, recentRefusals), total: fill(SIGNUP_REFUSALS, allRefusals) },
  };
}
