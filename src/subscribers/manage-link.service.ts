import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import type { MailQueue } from '../mail/mail-queue.ts';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Database, Db } from '../store/database.ts';
import { DAY_WINDOW_KEY_PREFIX, hitRateLimit, pruneRateLimits } from './rate-limit.repository.ts';
import { findSubscriberByEmailKey } from './subscriber.repository.ts';
import type { NormalizedEmail } from './validate-email.ts';

export interface ManageLinkDeps {
  db: Kysely<Database>;
  clock: Clock;
  config: Config;
  signer: LinkSigner;
  mailQueue: MailQueue;
}

export interface ManageLinkRequest {
  email: NormalizedEmail;
  /** The client address (after trust proxy), for the per-client limit; null counts nothing. */
  ip: string | null;
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * "Manage without the old mail": a confirmed subscriber who asks gets a mail with their
 * preferences link (the same signed link every mail carries). The caller learns nothing about the
 * address: the function returns nothing whether it is unknown, pending, unsubscribed, bounced or
 * over its daily limit, and does the same store work in each case (one count per client, one per
 * address, one lookup) but for the queued mail itself.
 * Over the per-client limit it throws RateLimited, which says nothing about any address.
 */
export async function requestManageLink(deps: ManageLinkDeps, request: ManageLinkRequest): Promise<void> {
  const now = deps.clock.now();
  const limits = deps.config.subscriptions;
  const queued = await deps.db.transaction().execute(async (trx) => {
    // In the transaction: a refused request (429) leaves nothing behind, not even its count.
    await enforceManageIpLimit(trx, request.ip, now, limits.maxManageRequestsPerIpPerHour);
    const addressHits = await countManageRequestForAddress(trx, manageAddressKey(deps.signer, request.email), now);
    const subscriber = await findSubscriberByEmailKey(trx, request.email.key);
    // Only a confirmed subscriber has preferences to manage; the delivery context checks again at send time.
    if (subscriber?.status !== 'confirmed' || addressHits > limits.maxManageRequestsPerAddressPerDay) return false;
    await deps.mailQueue.enqueueTransactional(trx, {
      kind: 'manage',
      recipientId: subscriber.id,
      key: `manage:${randomUUID()}`,
      params: {},
    });
    return true;
  });
  if (queued) deps.mailQueue.kick();
}

/**
 * The per-address counter's key: a keyed hash of the normalised address (HMAC-SHA256 with the
 * site secret, through the link signer), so rate_limit_counters never holds an address and a
 * leaked table cannot be matched against a list of addresses without the secret.
 */
export function manageAddressKey(signer: LinkSigner, email: NormalizedEmail): string {
  const signed = signer.sign('manage-request-address', email.key);
  return `${DAY_WINDOW_KEY_PREFIX}manage-address:${signed.slice(signed.lastIndexOf('.') + 1)}`;
}

/** Counts one request for the address in its UTC day and returns the day's count so far. */
async function countManageRequestForAddress(db: Db, key: string, now: Date): Promise<number> {
  const dayStartMs = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const hits = await hitRateLimit(db, key, new Date(dayStartMs).toISOString());
  if (hits === 1) await pruneRateLimits(db, new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS).toISOString());
  return hits;
}

/** At most `maxPerHour` manage requests per client address per clock hour (the pattern of subscribe-rate-limit.ts). */
async function enforceManageIpLimit(db: Db, ip: string | null, now: Date, maxPerHour: number): Promise<void> {
  if (!ip) return;
  const windowStartMs = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const hits = await hitRateLimit(db, `manage-ip:${ip}`, new Date(windowStartMs).toISOString());
  if (hits === 1) await pruneRateLimits(db, new Date(windowStartMs - HOUR_MS).toISOString());
  if (hits > maxPerHour) {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStartMs + HOUR_MS - now.getTime()) / 1000));
    throw new GazetteError(
      'RateLimited',
      `Too many requests for a manage link from your network; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
      { retryAfterSeconds },
    );
  }
}
