import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import type { MailQueue } from '../mail/mail-queue.ts';
import type { Clock } from '../shared/clock.ts';
import type { Frequency } from '../shared/frequency.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Database, Db } from '../store/database.ts';
import { insertConfirmation, latestConfirmationAt, markConfirmationUsed, voidOpenConfirmations } from './confirmation.repository.ts';
import { confirmationUsedError, loadOpenConfirmation } from './confirmation-token.ts';
import { findSubscriberByEmailKey, findSubscriberById, insertSubscribersIfAbsent, updateSubscriber } from './subscriber.repository.ts';
import type { Subscriber } from './subscriber.ts';
import { enforceSubscribeIpLimit } from './subscribe-rate-limit.ts';
import { subscriberLinks, type SubscriberLinks } from './subscriber-links.ts';
import { isEmailKeySuppressed } from './suppression.service.ts';
import type { NormalizedEmail } from './validate-email.ts';

export interface SubscriptionDeps {
  db: Kysely<Database>;
  clock: Clock;
  config: Config;
  signer: LinkSigner;
  mailQueue: MailQueue;
}

export interface SubscribeRequest {
  email: NormalizedEmail;
  name: string | null;
  frequency: Frequency;
  /** Where the request came from; the consent text is the configured one (what the form shows). */
  consent: { ip: string | null; userAgent: string | null; source: 'form' | 'api' };
}

/**
 * Double opt-in. Whatever state the address is in (new, pending, confirmed, unsubscribed,
 * bounced), the caller learns nothing: the function returns nothing and the answer is the same.
 * A confirmed address gets no mail (it has nothing to confirm; its preferences link is in
 * every mail it receives). A suppressed address (deleted, or complained) gets the same answer
 * and nothing else: no row, no mail.
 * What the request asks for is kept on a confirmation row and applied only when confirmed, so a
 * stranger cannot change a subscriber's name or frequency by subscribing their address.
 */
export async function requestSubscription(deps: SubscriptionDeps, request: SubscribeRequest): Promise<void> {
  const now = deps.clock.now();
  // One transaction for the count and the rows: one commit per request, and a refused request
  // (429) leaves nothing behind, not even its count.
  const queued = await deps.db.transaction().execute(async (trx) => {
    await enforceSubscribeIpLimit(trx, request.consent.ip, now, deps.config.subscriptions.maxSubscribesPerIpPerHour);
    if (await isEmailKeySuppressed(trx, deps.signer, request.email.key)) return false;
    const { subscriber, created } = await findOrCreatePendingSubscriber(trx, request, now);
    if (!created && !(await mayConfirmAgain(deps, trx, subscriber, request, now))) return false;
    const confirmationId = randomBytes(16).toString('base64url');
    await insertConfirmation(trx, {
      id: confirmationId,
      subscriberId: subscriber.id,
      name: request.name,
      frequency: request.frequency,
      consent: { ...request.consent, text: deps.config.subscriptions.consentText },
      createdAt: now,
      expiresAt: new Date(now.getTime() + deps.config.subscriptions.confirmationTtlHours * 3600_000),
      usedAt: null,
    });
    const params = { confirmationId, frequency: request.frequency };
    await deps.mailQueue.enqueueTransactional(trx, {
      kind: 'confirmation',
      recipientId: subscriber.id,
      key: `confirmation:${confirmationId}`,
      params,
    });
    return true;
  });
  if (queued) deps.mailQueue.kick();
}

/** For an address already stored: may it get another confirmation mail now? If so, it is made pending. */
async function mayConfirmAgain(
  deps: SubscriptionDeps,
  db: Db,
  subscriber: Subscriber,
  request: SubscribeRequest,
  now: Date,
): Promise<boolean> {
  // Already subscribed: nothing to confirm, and nothing a stranger's request may change.
  if (subscriber.status === 'confirmed') return false;
  // At most one confirmation mail per address per window; silently, so the answer reveals nothing.
  const last = await latestConfirmationAt(db, subscriber.id);
  const windowMs = deps.config.subscriptions.confirmationResendMinutes * 60_000;
  if (last && now.getTime() - last.getTime() < windowMs) return false;
  // Asking again after unsubscribing (or a bounce) makes the address pending: it gets the
  // confirmation mail (the outbox mails confirmations only to pending addresses) and nothing else until confirmed.
  await updateSubscriber(db, subscriber.id, { status: 'pending', frequency: request.frequency, updatedAt: now });
  return true;
}

async function findOrCreatePendingSubscriber(
  db: Db,
  request: SubscribeRequest,
  now: Date,
): Promise<{ subscriber: Subscriber; created: boolean }> {
  const existing = await findSubscriberByEmailKey(db, request.email.key);
  if (existing) return { subscriber: existing, created: false };
  const subscriber: Subscriber = {
    id: randomUUID(),
    email: request.email.email,
    name: request.name,
    frequency: request.frequency,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
    confirmedAt: null,
    unsubscribedAt: null,
    bouncedAt: null,
    // Consent is recorded when the address is confirmed, from the confirmation's request.
    consent: null,
  };
  // Insert-if-absent: of two simultaneous first requests for one address (PostgreSQL), one
  // inserts and the other reads the winner's row, instead of failing on the unique key.
  if ((await insertSubscribersIfAbsent(db, [{ ...subscriber, emailKey: request.email.key }])).size === 1)
    return { subscriber, created: true };
  const winner = await findSubscriberByEmailKey(db, request.email.key);
  if (!winner) throw new Error(`subscriber ${request.email.key} vanished while being created`);
  return { subscriber: winner, created: false };
}

export interface ConfirmationPreview {
  email: string;
  frequency: Frequency;
  expiresAt: Date;
}

/** What the GET of a confirmation link shows. Changes nothing: mail scanners fetch every link. */
export async function previewConfirmation(deps: SubscriptionDeps, token: string): Promise<ConfirmationPreview> {
  const { confirmation, subscriber } = await loadOpenConfirmation(deps, deps.db, token);
  return { email: subscriber.email, frequency: confirmation.frequency, expiresAt: confirmation.expiresAt };
}

export interface ConfirmationResult {
  subscriber: Subscriber;
  links: SubscriberLinks;
}

/**
 * Confirms: the subscriber becomes `confirmed` with what the request asked for and its consent
 * record, every other open confirmation is voided, and a welcome mail is queued in the same
 * transaction. A link works once: of two concurrent POSTs one wins and the other gets TokenUsed.
 */
export async function confirmSubscription(deps: SubscriptionDeps, token: string): Promise<ConfirmationResult> {
  const at = deps.clock.now();
  const { subscriber, welcomed } = await deps.db.transaction().execute(async (trx) => {
    const { confirmation, subscriber: before } = await loadOpenConfirmation(deps, trx, token);
    if (!(await markConfirmationUsed(trx, confirmation.id, at))) throw confirmationUsedError();
    await updateSubscriber(trx, before.id, {
      status: 'confirmed',
      confirmedAt: at,
      unsubscribedAt: null,
      bouncedAt: null,
      name: confirmation.name ?? before.name,
      frequency: confirmation.frequency,
      // The consent is the request's: what was shown, when, to which client.
      consent: { at: confirmation.createdAt, ...confirmation.consent },
      updatedAt: at,
    });
    await voidOpenConfirmations(trx, before.id, at);
    // A subscriber who was already confirmed only changed settings: no second welcome.
    const welcome = before.status !== 'confirmed';
    if (welcome) {
      await deps.mailQueue.enqueueTransactional(trx, {
        kind: 'welcome',
        recipientId: before.id,
        key: `welcome:${confirmation.id}`,
        params: { frequency: confirmation.frequency },
      });
    }
    return { subscriber: (await findSubscriberById(trx, before.id))!, welcomed: welcome };
  });
  if (welcomed) deps.mailQueue.kick();
  return { subscriber, links: subscriberLinks(deps.config.site.baseUrl, deps.signer, subscriber.id) };
}
