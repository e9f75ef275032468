import express, { type Request, type RequestHandler } from 'express';
import { GazetteError } from '../shared/errors.ts';

/**
 * Body parsing for the public endpoints: a small size limit (413 above it), only the media types
 * a route names (415 otherwise, saying which to send), nothing at all for an empty body.
 */
export const PUBLIC_BODY_LIMIT = '4kb';

type BodyType = 'json' | 'form' | 'multipart' | 'csv';

const MEDIA_TYPES: Record<BodyType, string> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
  multipart: 'multipart/form-data',
  csv: 'text/csv',
};

/** True when the request carries body bytes (a Content-Length of 0 or none at all is no body). */
export function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(length) && length > 0;
}

/** Is this request's body JSON? Then the answer is JSON too, whatever Accept says. */
export function sentJson(req: Request): boolean {
  return hasBody(req) && req.is('application/json') === 'application/json';
}

export function acceptBody(types: readonly BodyType[], limit = PUBLIC_BODY_LIMIT): RequestHandler[] {
  const gate: RequestHandler = (req, _res, next) => {
    if (!hasBody(req)) {
      req.body = {};
      return next();
    }
    if (!types.some((t) => req.is(MEDIA_TYPES[t]))) {
      const got = req.headers['content-type'] ?? 'no Content-Type';
      throw new GazetteError('UnsupportedMediaType', `Send the body as ${types.map((t) => MEDIA_TYPES[t]).join(' or ')} (got ${got}).`);
    }
    next();
  };
  const parsers: RequestHandler[] = [];
  if (types.includes('json')) parsers.push(express.json({ limit, strict: true }));
  if (types.includes('form')) parsers.push(express.urlencoded({ limit, extended: false, parameterLimit: 20 }));
  if (types.includes('csv')) parsers.push(express.text({ type: MEDIA_TYPES.csv, limit }));
  // Multipart is accepted only where its fields do not matter (RFC 8058 one-click): read within the limit, then ignored.
  if (types.includes('multipart'))
    parsers.push(express.raw({ type: MEDIA_TYPES.multipart, limit }), (req, _res, next) => ((req.body = {}), next()));
  const ensureObject: RequestHandler = (req, _res, next) => {
    if (req.body === undefined) req.body = {};
    next();
  };
  return [gate, ...parsers, ensureObject];
}
