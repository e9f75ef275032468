import { GazetteError } from '../shared/errors.ts';
import type { Db } from '../store/database.ts';
import { hitRateLimit, pruneRateLimits } from './rate-limit.repository.ts';

const HOUR_MS = 3600_000;

/**
 * At most `maxPerHour` subscribe requests per client IP per clock hour, counted in the store.
 * Over the limit: RateLimited with the seconds until the window ends (sent as Retry-After).
 * The per-address limit is elsewhere and silent; this one may speak, because it says nothing
 * about any address.
 */
export async function enforceSubscribeIpLimit(db: Db, ip: string | null, now: Date, maxPerHour: number): Promise<void> {
  if (!ip) return;
  const windowStartMs = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const hits = await hitRateLimit(db, `subscribe-ip:${ip}`, new Date(windowStartMs).toISOString());
  // The first hit of a window is a good moment to forget windows that are long over.
  if (hits === 1) await pruneRateLimits(db, new Date(windowStartMs - HOUR_MS).toISOString());
  if (hits > maxPerHour) {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStartMs + HOUR_MS - now.getTime()) / 1000));
    throw new GazetteError(
      'RateLimited',
      `Too many subscription requests from your network; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
      {
        retryAfterSeconds,
      },
    );
  }
}
