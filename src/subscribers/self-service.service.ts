import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Frequency } from '../shared/frequency.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Database, Db } from '../store/database.ts';
import { deleteConfirmationsOf, listConfirmationsOf, voidOpenConfirmations } from './confirmation.repository.ts';
import { deleteSubscriberRow, findSubscriberById, updateSubscriber } from './subscriber.repository.ts';
import { presentSubscriber, presentSubscriberEvent, type Subscriber } from './subscriber.ts';
import { listSubscriberEvents } from './subscriber-event.repository.ts';
import type { SuppressSubscriber } from './suppression.service.ts';
import { readManageToken, subscriberLinks, type SubscriberLinks } from './subscriber-links.ts';

/**
 * What a subscriber does with the link in every mail: see and change preferences, unsubscribe,
 * download or delete their data. The link is the credential (signed, never stored, never expires).
 */
export interface SelfServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  config: Config;
  signer: LinkSigner;
  /** Other capabilities' rows about a subscriber (the outbox), removed with "delete my data". */
  forgetSubscriber?: (db: Db, subscriberId: string) => Promise<void>;
  /** Keeps a keyed hash of the address so that a deleted address is not signed up or imported again. */
  suppressSubscriber: SuppressSubscriber;
}

function subscriberIdFrom(deps: SelfServiceDeps, token: string): string {
  const id = readManageToken(deps.signer, token);
  if (!id) throw new GazetteError('InvalidToken', 'This link is not valid. Use the whole link from the footer of one of our mails.');
  return id;
}

async function loadSubscriber(deps: SelfServiceDeps, token: string): Promise<Subscriber> {
  const subscriber = await findSubscriberById(deps.db, subscriberIdFrom(deps, token));
  if (!subscriber) throw new GazetteError('SubscriberNotFound', 'There is no subscription for this link any more: its data was deleted.');
  return subscriber;
}

/** The links for a token, if the token is ours; changes and reads nothing (the unsubscribe page's GET). */
export function checkManageToken(deps: SelfServiceDeps, token: string): SubscriberLinks {
  return subscriberLinks(deps.config.site.baseUrl, deps.signer, subscriberIdFrom(deps, token));
}

export interface Preferences {
  subscriber: Subscriber;
  links: SubscriberLinks;
}

export async function readPreferences(deps: SelfServiceDeps, token: string): Promise<Preferences> {
  const subscriber = await loadSubscriber(deps, token);
  return { subscriber, links: subscriberLinks(deps.config.site.baseUrl, deps.signer, subscriber.id) };
}

/** Name and frequency only: the status changes through confirm and unsubscribe, never here. */
export async function updatePreferences(
  deps: SelfServiceDeps,
  token: string,
  changes: { name?: string | null; frequency?: Frequency },
): Promise<Preferences> {
  const subscriber = await loadSubscriber(deps, token);
  await updateSubscriber(deps.db, subscriber.id, { ...changes, updatedAt: deps.clock.now() });
  return readPreferences(deps, token);
}

export type UnsubscribeOutcome = 'unsubscribed' | 'already-unsubscribed' | 'no-such-subscriber';

/**
 * Unsubscribes at once (RFC 8058): idempotent, and a subscriber whose data was deleted is
 * already as unsubscribed as can be, so an old mail's one-click POST still gets its 200.
 * Open confirmation links are voided: after this, only a new subscription brings mail back.
 */
export async function unsubscribe(deps: SelfServiceDeps, token: string): Promise<UnsubscribeOutcome> {
  const id = subscriberIdFrom(deps, token);
  const at = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const subscriber = await findSubscriberById(trx, id);
    if (!subscriber) return 'no-such-subscriber';
    await voidOpenConfirmations(trx, id, at);
    if (subscriber.status === 'unsubscribed') return 'already-unsubscribed';
    await updateSubscriber(trx, id, { status: 'unsubscribed', unsubscribedAt: at, updatedAt: at });
    return 'unsubscribed';
  });
}

/** Everything stored about the subscriber, as a JSON document they can keep (GDPR article 15). */
export async function exportSubscriberData(deps: SelfServiceDeps, token: string): Promise<Record<string, unknown>> {
  const subscriber = await loadSubscriber(deps, token);
  const confirmations = await listConfirmationsOf(deps.db, subscriber.id);
  const events = await listSubscriberEvents(deps.db, subscriber.id);
  return {
    exportedAt: deps.clock.now().toISOString(),
    site: deps.config.site.baseUrl,
    subscriber: presentSubscriber(subscriber),
    // Confirmation ids are left out: they are what confirmation links are made of.
    confirmationRequests: confirmations.map((c) => ({
      requestedAt: c.createdAt.toISOString(),
      expiresAt: c.expiresAt.toISOString(),
      usedAt: c.usedAt?.toISOString() ?? null,
      name: c.name,
      frequency: c.frequency,
      ip: c.consent.ip,
      userAgent: c.consent.userAgent,
      source: c.consent.source,
      consentText: c.consent.text,
    })),
    // Each bounce (with the server's reply) and each restore by an operator (who, when, why).
    events: events.map(presentSubscriberEvent),
  };
}

/**
 * Deletes the subscriber and everything about them (GDPR article 17). Afterwards the link finds
 * nothing; only the keyed hash of the address stays, so it is not signed up or imported again.
 */
export async function deleteSubscriberData(deps: SelfServiceDeps, token: string): Promise<void> {
  const subscriber = await loadSubscriber(deps, token);
  await deps.db.transaction().execute(async (trx) => {
    await deps.suppressSubscriber(trx, subscriber.id, 'deleted-by-subscriber', 'self-service');
    await deps.forgetSubscriber?.(trx, subscriber.id);
    await deleteConfirmationsOf(trx, subscriber.id);
    await deleteSubscriberRow(trx, subscriber.id);
  });
}
