import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Database, Db } from '../store/database.ts';
import { findSubscriberById } from './subscriber.repository.ts';
import {
  findActiveSuppressions,
  findSuppression,
  liftSuppressionRow,
  upsertSuppression,
  type Suppression,
  type SuppressionReason,
} from './suppression.repository.ts';
import { normalizeEmail } from './validate-email.ts';

/**
 * The suppression list: addresses a sign-up or an import must not bring back (deleted by the
 * person or an operator, or complained about). The store keeps only a keyed hash of the
 * normalised address, so the list can answer "is this address suppressed?" but never say which
 * addresses it holds. Changing the site secret empties it in effect (see README).
 */
export interface SuppressionDeps {
  db: Kysely<Database>;
  clock: Clock;
  signer: LinkSigner;
}

/** Suppresses a stored subscriber's address inside the caller's transaction; false if there is no such subscriber. */
export type SuppressSubscriber = (tx: Db, subscriberId: string, reason: SuppressionReason, source: string) => Promise<boolean>;

export type { Suppression, SuppressionReason };

const HASH_PURPOSE = 'suppression';

/** The keyed hash stored for a normalised address key (NormalizedEmail.key). */
export function suppressionHashOf(signer: LinkSigner, emailKey: string): string {
  return signer.keyedHash(HASH_PURPOSE, emailKey);
}

function hashOfAddress(signer: LinkSigner, address: string): string {
  const email = normalizeEmail(address);
  if (!email.ok) throw new GazetteError('InvalidEmail', email.reason, { field: 'address' });
  return suppressionHashOf(signer, email.value.key);
}

export async function suppressAddress(deps: SuppressionDeps, address: string, reason: SuppressionReason, source: string): Promise<boolean> {
  return upsertSuppression(deps.db, { addressHash: hashOfAddress(deps.signer, address), reason, source, at: deps.clock.now() });
}

export async function isSuppressed(deps: Pick<SuppressionDeps, 'db' | 'signer'>, address: string): Promise<boolean> {
  return (await findActiveSuppressions(deps.db, [hashOfAddress(deps.signer, address)])).size > 0;
}

/** Whether a normalised address key is suppressed, read through any handle (a sign-up's transaction). */
export async function isEmailKeySuppressed(db: Db, signer: LinkSigner, emailKey: string): Promise<boolean> {
  return (await findActiveSuppressions(db, [suppressionHashOf(signer, emailKey)])).size > 0;
}

/** The row for an address, lifted or not: why it is (or was) suppressed, for an operator. */
export async function readSuppression(deps: SuppressionDeps, address: string): Promise<Suppression | undefined> {
  return findSuppression(deps.db, hashOfAddress(deps.signer, address));
}

/** An operator lets one address sign up (or be imported) again; the row keeps who lifted it and when. */
export async function liftSuppression(deps: SuppressionDeps, address: string, actor: string): Promise<void> {
  if (!(await liftSuppressionRow(deps.db, hashOfAddress(deps.signer, address), deps.clock.now(), actor)))
    throw new GazetteError('NotFound', 'This address is not suppressed: there is nothing to lift.');
}

/**
 * The function that deletes and complaints call with the subscriber's id, in their own
 * transaction, before the row goes: bound here to the clock and the signer, since the hash
 * needs the site secret and callers should not.
 */
export function subscriberSuppression(deps: Pick<SuppressionDeps, 'clock' | 'signer'>): SuppressSubscriber {
  return async (tx, subscriberId, reason, source) => {
    const subscriber = await findSubscriberById(tx, subscriberId);
    if (!subscriber) return false;
    const email = normalizeEmail(subscriber.email);
    const key = email.ok ? email.value.key : subscriber.email;
    await upsertSuppression(tx, { addressHash: suppressionHashOf(deps.signer, key), reason, source, at: deps.clock.now() });
    return true;
  };
}
