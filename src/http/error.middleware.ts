import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { GazetteError, isGazetteError, type ErrorCode } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { statusByCode } from './error-status.ts';

export interface ErrorPageRenderer {
  (page: { status: number; code: ErrorCode | 'InternalError'; message: string }): string;
}

/** True when the client asked for a web page rather than data (browsers send text/html first). */
export function wantsHtml(req: Request): boolean {
  // A client that sent JSON reads JSON, whatever its Accept header says.
  if (req.is('application/json') === 'application/json') return false;
  return req.accepts(['application/json', 'text/html']) === 'text/html' && !req.path.startsWith('/api/');
}

/** Errors raised by body parsers, translated into our codes. */
function fromBodyParser(error: unknown): GazetteError | undefined {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large') return new GazetteError('PayloadTooLarge', 'The request body is too large.');
  if (type === 'entity.parse.failed') return new GazetteError('BadRequest', 'The request body is not valid JSON.');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported')
    return new GazetteError('UnsupportedMediaType', 'The request body uses an unsupported charset or encoding; send UTF-8.');
  if (
    typeof type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number' &&
    (error as { status: number }).status < 500
  ) {
    return new GazetteError('BadRequest', 'The request body could not be read.');
  }
  // Express's router (a %-escape in the path that does not decode) and body decompression
  // (a gzip or brotli body that does not inflate) raise plain errors carrying a 400.
  if (error instanceof URIError && (error as { status?: unknown }).status === 400)
    return new GazetteError('BadRequest', 'The address contains a malformed %-escape; check the link.');
  if (
    error instanceof Error &&
    (error as { status?: unknown }).status === 400 &&
    /decompress|header check|zlib|Z_/i.test(`${error.message} ${String((error as { code?: unknown }).code)}`)
  ) {
    return new GazetteError('BadRequest', 'The request body could not be decompressed; send it uncompressed or as valid gzip.');
  }
  return undefined;
}

/**
 * Writes `{ "error": { "code", "message" } }` (or an HTML page for browsers). Anything that is
 * not a GazetteError is a bug: logged with its stack, answered as a plain 500 without one.
 */
export function errorMiddleware(log: Logger, renderPage: ErrorPageRenderer): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const known = isGazetteError(error) ? error : fromBodyParser(error);
    const status = known ? statusByCode[known.code] : 500;
    const code = known ? known.code : 'InternalError';
    const message = known ? known.message : 'Something went wrong on our side. It has been logged; please try again later.';
    if (!known) log.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
    // Rate limits, a busy or unreachable database: the client is told when to come back.
    if (typeof known?.details?.retryAfterSeconds === 'number') {
      res.setHeader('Retry-After', String(Math.ceil(known.details.retryAfterSeconds)));
    }
    res.status(status);
    if (wantsHtml(req)) {
      res.type('html').send(renderPage({ status, code, message }));
    } else {
      const details = known?.details && Object.keys(known.details).length > 0 ? { details: known.details } : {};
      res.json({ error: { code, message, ...details } });
    }
  };
}

/** The last route: a real 404 for anything unmatched. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new GazetteError('NotFound', `Nothing is published at ${req.path}.`));
};
