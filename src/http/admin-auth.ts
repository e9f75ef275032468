import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { Db } from '../store/database.ts';
import { ADMIN_AUTH_LIMIT, findAdminLockout, recordAdminAuthFailure } from './admin-auth-limit.ts';

export interface AdminAuthDeps {
  /** admin.token; null turns the admin API off. */
  token: string | null;
  db: Db;
  clock: Clock;
  log: Logger;
}

/**
 * Guards the admin API with the bearer token from config (admin.token, GAZETTE_ADMIN_TOKEN).
 * No token configured: the admin API is off (404, so it does not even show it exists).
 * The comparison hashes both sides first: equal-length digests compared in constant time leak
 * neither the token nor its length. Each wrong or missing token is logged with the client
 * address (never what was sent) and counted; a client past the limit gets 429 with Retry-After,
 * whatever it sends, until its window ends (admin-auth-limit.ts).
 */
export function adminAuth(deps: AdminAuthDeps): RequestHandler {
  const expected = deps.token === null ? undefined : digest(deps.token);
  return async (req, res, next) => {
    if (!expected)
      throw new GazetteError('AdminApiDisabled', 'The admin API is off: set admin.token (or GAZETTE_ADMIN_TOKEN) to turn it on.');
    const client = req.ip ?? 'unknown';
    // The path as the client sent it (no query): req.path is only what follows the router's mount point ("/stats").
    const where = { client, method: req.method, path: req.originalUrl.split('?')[0] };
    const lockout = await findAdminLockout(deps.db, client, deps.clock.now());
    if (lockout !== undefined) {
      deps.log.warn({ ...where, retryAfterSeconds: lockout }, 'admin API: request refused, too many wrong tokens from this client');
      throw tooManyFailures(lockout);
    }
    const match = /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '');
    if (match && timingSafeEqual(digest(match[1]!), expected)) return next();
    const { failures, retryAfterSeconds } = await recordAdminAuthFailure(deps.db, client, deps.clock.now());
    deps.log.warn(
      { ...where, failures, limit: ADMIN_AUTH_LIMIT.maxFailures },
      match ? 'admin API: wrong token' : 'admin API: no bearer token',
    );
    if (retryAfterSeconds !== undefined) throw tooManyFailures(retryAfterSeconds);
    res.set('WWW-Authenticate', 'Bearer realm="gazette-admin"');
    throw new GazetteError('Unauthorized', 'Send the admin token as "Authorization: Bearer <token>".');
  };
}

function tooManyFailures(retryAfterSeconds: number): GazetteError {
  return new GazetteError(
    'RateLimited',
    `Too many wrong admin tokens from your address; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
    { retryAfterSeconds },
  );
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
