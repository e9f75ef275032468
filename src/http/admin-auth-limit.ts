import type { Db } from '../store/database.ts';
import { countRateLimitHits, hitRateLimit, pruneRateLimits } from '../subscribers/rate-limit.repository.ts';

/**
 * How many wrong admin tokens one client address may send: `maxFailures` per fixed, clock-aligned
 * window of `windowMinutes`, counted in the store (rate_limit_counters), so that every instance on
 * one database counts together. Past the limit every admin request from that address is refused
 * until the window ends, the right token included: otherwise a guesser would learn from a
 * success. 10 in 15 minutes never stops a person who mistyped, and allows fewer than 1,000
 * guesses a day per address against a token of 16 or more characters.
 */
export const ADMIN_AUTH_LIMIT = Object.freeze({ maxFailures: 10, windowMinutes: 15 });

/** No limiter counts over a window longer than this, so older rows can go. */
const LONGEST_WINDOW_MS = 3600_000;

interface Window {
  key: string;
  start: string;
  retryAfterSeconds: number;
}

function windowOf(client: string, now: Date): Window {
  const length = ADMIN_AUTH_LIMIT.windowMinutes * 60_000;
  const startMs = Math.floor(now.getTime() / length) * length;
  return {
    key: `admin-auth-failures:${client}`,
    start: new Date(startMs).toISOString(),
    retryAfterSeconds: Math.max(1, Math.ceil((startMs + length - now.getTime()) / 1000)),
  };
}

/** Seconds until `client` may try again, or undefined if it is not refused. */
export async function findAdminLockout(db: Db, client: string, now: Date): Promise<number | undefined> {
  const window = windowOf(client, now);
  const failures = await countRateLimitHits(db, window.key, window.start);
  return failures >= ADMIN_AUTH_LIMIT.maxFailures ? window.retryAfterSeconds : undefined;
}

/**
 * Counts one wrong token. Returns the failures of this window so far and, when that is over
 * the limit, the seconds until the window ends: the count is atomic, so a burst spread over
 * several instances gets exactly `maxFailures` answers of 401 and refusals after.
 */
export async function recordAdminAuthFailure(
  db: Db,
  client: string,
  now: Date,
): Promise<{ failures: number; retryAfterSeconds: number | undefined }> {
  const window = windowOf(client, now);
  const failures = await hitRateLimit(db, window.key, window.start);
  if (failures === 1) await pruneRateLimits(db, new Date(Date.parse(window.start) - LONGEST_WINDOW_MS).toISOString());
  return { failures, retryAfterSeconds: failures > ADMIN_AUTH_LIMIT.maxFailures ? window.retryAfterSeconds : undefined };
}
