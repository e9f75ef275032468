import type { RequestHandler } from 'express';
import { GazetteError } from '../shared/errors.ts';

/**
 * The last handler of a resource that exists but not for this method: 405 with `Allow`
 * (RFC 9110 15.5.6), rather than the 404 that would say the resource is not there.
 */
export function methodNotAllowed(allow: string): RequestHandler {
  return (req, res) => {
    res.setHeader('Allow', allow);
    throw new GazetteError('MethodNotAllowed', `${req.path} answers ${allow} only, not ${req.method}.`);
  };
}
