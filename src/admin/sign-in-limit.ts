import type { Db } from '../store/database.ts';
import { countRateLimitHits, hitRateLimit, pruneRateLimits } from '../subscribers/rate-limit.repository.ts';

/**
 * Wrong console passwords, counted in the store (every instance counts together) per client
 * address and per account, in fixed clock-aligned windows. Past either limit every sign-in to
 * that account or from that address is refused until the window ends, the right password
 * included: otherwise a guesser would learn from a success. 10 per account in 15 minutes stops
 * a guesser long before a 12-character password falls, and a person who mistyped a few times
 * is never stopped; the per-client limit is higher because one office may share an address.
 */
export const SIGN_IN_LIMIT = Object.freeze({ perAccount: 10, perClient: 30, windowMinutes: 15 });

const LONGEST_WINDOW_MS = 3600_000;

interface Window {
  start: string;
  retryAfterSeconds: number;
}

function windowAt(now: Date): Window {
  const length = SIGN_IN_LIMIT.windowMinutes * 60_000;
  const startMs = Math.floor(now.getTime() / length) * length;
  return {
    start: new Date(startMs).toISOString(),
    retryAfterSeconds: Math.max(1, Math.ceil((startMs + length - now.getTime()) / 1000)),
  };
}

const clientKey = (client: string): string => `console-sign-in-client:${client}`;
const accountKey = (account: string): string => `console-sign-in-account:${account}`;

/** Seconds until this client may try this account again, or undefined if it may now. */
export async function findSignInLockout(db: Db, client: string, account: string, now: Date): Promise<number | undefined> {
  const window = windowAt(now);
  const [byClient, byAccount] = await Promise.all([
    countRateLimitHits(db, clientKey(client), window.start),
    countRateLimitHits(db, accountKey(account), window.start),
  ]);
  return byClient >= SIGN_IN_LIMIT.perClient || byAccount >= SIGN_IN_LIMIT.perAccount ? window.retryAfterSeconds : undefined;
}

/** Counts one wrong password against the client and the account; returns both counts so far in this window. */
export async function recordSignInFailure(
  db: Db,
  client: string,
  account: string,
  now: Date,
): Promise<{ byClient: number; byAccount: number }> {
  const window = windowAt(now);
  const byClient = await hitRateLimit(db, clientKey(client), window.start);
  const byAccount = await hitRateLimit(db, accountKey(account), window.start);
  if (byClient === 1) await pruneRateLimits(db, new Date(Date.parse(window.start) - LONGEST_WINDOW_MS).toISOString());
  return { byClient, byAccount };
}
