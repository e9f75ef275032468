import type { Kysely } from 'kysely';
import { resetSoftBouncesOnRestore } from '../list-health/delivery-report.repository.ts';
import { listBouncedDeliveries, requeueBouncedDeliveries } from '../mail/outbox.repository.ts';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { Database } from '../store/database.ts';
import { insertSubscriberEvents, listBounceEvents } from '../subscribers/subscriber-event.repository.ts';
import { restoreBouncedSubscribers } from '../subscribers/subscriber.repository.ts';
import { findEditionPause, resumeEdition } from './edition-pause.repository.ts';
import { requireEdition } from './require-edition.ts';

/**
 * Undoing bounces that were the server's problem (a relay that refused everyone with a 5.1.1, a
 * reply misread as a bad address): the subscribers bounced by one edition, or by one reply text,
 * go back to `confirmed`, each restore is recorded as a subscriber event (who, when, why, the
 * reply it undid), and their bounced deliveries are queued again. And the operator's resume of an
 * edition the bounce circuit breaker stopped. Shared by the CLI and the admin API.
 */
export interface BounceAdminDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
}

export interface RestoreRequest {
  /** Only bounces from this edition. */
  editionId?: string;
  /** Only bounces whose SMTP reply contains this text (a code such as "5.1.1", or words of the reply). */
  reply?: string;
  /** Who asks ("admin-api", "cli:<user>"), recorded with each restore. */
  actor: string;
  /** Why, recorded with each restore. */
  reason: string;
}

export interface RestoreResult {
  /** Subscribers returned from `bounced` to `confirmed`. */
  restored: number;
  /** Their bounced deliveries queued again. */
  requeued: number;
  /** Matching subscribers left alone: they are no longer `bounced` (they re-subscribed, left or were restored before). */
  unchanged: number;
}

export async function restoreBounced(deps: BounceAdminDeps, request: RestoreRequest): Promise<RestoreResult> {
  if (!request.editionId && !request.reply)
    throw new GazetteError('ValidationFailed', 'Say which bounces to undo: an edition, a reply text, or both.');
  if (request.editionId) await requireEdition(deps.db, request.editionId);
  const now = deps.clock.now();
  const result = await deps.db.transaction().execute(async (tx) => {
    const filter = { editionId: request.editionId, reply: request.reply };
    const matches = await listBouncedDeliveries(tx, filter);
    // A bounce reported after the send (DSN, webhook) left its delivery `sent`: only its event names it.
    const reported = (await listBounceEvents(tx, filter)).map((e) => ({
      recipientId: e.subscriberId,
      editionId: e.editionId,
      reply: e.reply,
    }));
    const subscriberIds = [...new Set([...matches, ...reported].map((m) => m.recipientId))];
    const restored = new Set(await restoreBouncedSubscribers(tx, subscriberIds, now));
    // Soft bounces before the restore no longer count: one more must not bounce them again at once.
    await resetSoftBouncesOnRestore(tx, [...restored], now, request.actor);
    const undone = matches.filter((m) => restored.has(m.recipientId));
    const firstBySubscriber = new Map([...reported, ...undone].filter((m) => restored.has(m.recipientId)).map((m) => [m.recipientId, m]));
    await insertSubscriberEvents(
      tx,
      [...firstBySubscriber.values()].map((m) => ({
        subscriberId: m.recipientId,
        editionId: m.editionId,
        kind: 'restored' as const,
        reply: m.reply,
        actor: request.actor,
        reason: request.reason,
        at: now,
      })),
    );
    const requeued = await requeueBouncedDeliveries(
      tx,
      undone.map((m) => m.id),
      now,
    );
    return { restored: restored.size, requeued, unchanged: subscriberIds.length - restored.size };
  });
  deps.log.warn(
    { ...result, edition: request.editionId, reply: request.reply, actor: request.actor, reason: request.reason },
    'bounced subscribers restored',
  );
  return result;
}

/** An operator lets an edition the bounce circuit breaker stopped send again. */
export async function resumeStoppedEdition(deps: BounceAdminDeps, editionId: string, actor: string): Promise<{ resumed: boolean }> {
  await requireEdition(deps.db, editionId);
  const pause = await findEditionPause(deps.db, editionId);
  const resumed = await resumeEdition(deps.db, editionId, deps.clock.now());
  if (resumed)
    deps.log.warn(
      { edition: editionId, actor, pausedBecause: pause?.reason },
      'edition resumed by an operator after the bounce circuit breaker stopped it',
    );
  return { resumed };
}
