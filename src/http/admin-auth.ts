import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { GazetteError } from '../shared/errors.ts';

/**
 * Guards the admin API with the bearer token from config (admin.token, GAZETTE_ADMIN_TOKEN).
 * No token configured: the admin API is off (404, so it does not even show it exists).
 * The comparison hashes both sides first: equal-length digests compared in constant time leak
 * neither the token nor its length.
 */
export function adminAuth(configuredToken: string | null): RequestHandler {
  const expected = configuredToken === null ? undefined : digest(configuredToken);
  return (req, res, next) => {
    if (!expected) throw new GazetteError('AdminApiDisabled', 'The admin API is off: set admin.token (or GAZETTE_ADMIN_TOKEN) to turn it on.');
    const match = /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="gazette-admin"');
      throw new GazetteError('Unauthorized', 'Send the admin token as "Authorization: Bearer <token>".');
    }
    next();
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
