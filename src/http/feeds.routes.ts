import { Router, type Request, type Response } from 'express';
import type { FeedPublisher } from '../feeds/feed-publisher.service.ts';
import type { FeedRepresentation } from '../feeds/feed-representation.ts';
import { createContentCodingChooser, isNotModified, type ContentCodingChooser } from '../feeds/negotiate.ts';
import { feedPaths, parseArchivePath } from '../feeds/feed-links.ts';
import { FEED_METHODS, feedCrossOriginHeaders, feedPreflightHeaders } from './feed-cross-origin.ts';
import { methodNotAllowed } from './method-not-allowed.ts';

const CROSS_ORIGIN_ENTRIES = Object.entries(feedCrossOriginHeaders);
const SUBSCRIPTION_PATHS = new Set(Object.values(feedPaths));
/** Answered by the GET and OPTIONS routes: a GET or HEAD that falls through is a page past the last one, a 404. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * RSS, Atom and JSON Feed, and their archive pages, straight from the publisher's memory.
 * Express routes GET and HEAD here alike; Node drops the body of a HEAD response. Feeds are
 * readable from any origin (feed-cross-origin.ts); OPTIONS is a CORS preflight; other methods 405.
 */
export function feedsRoutes(publisher: FeedPublisher): Router {
  const router = Router();
  const chooseCoding = createContentCodingChooser();
  const paths = [...Object.values(feedPaths), '/feeds/archive/:file'];
  router.get(paths, (req, res, next) => {
    // The common case answers synchronously: no promise per request (see BENCHMARKS.md, "Feeds").
    const ready = publisher.findReady(req.path);
    if (ready) return sendRepresentation(req, res, ready, chooseCoding);
    // Before the lookup, so that an archive page's 404 is readable cross-origin too.
    if (isFeedPath(req.path)) setCrossOriginHeaders(res);
    publisher
      .find(req.path)
      .then((representation) => (representation ? sendRepresentation(req, res, representation, chooseCoding) : next()), next);
  });
  router.options(paths, (req, res, next) => {
    if (!isFeedPath(req.path)) return next();
    setCrossOriginHeaders(res);
    res.status(204).set(feedPreflightHeaders).end();
  });
  const refuseMethod = methodNotAllowed(FEED_METHODS);
  router.all(paths, (req, res, next) => (isFeedPath(req.path) && !READ_METHODS.has(req.method) ? refuseMethod(req, res, next) : next()));
  return router;
}

function setCrossOriginHeaders(res: Response): void {
  for (const [name, value] of CROSS_ORIGIN_ENTRIES) res.setHeader(name, value);
}

/** A subscription document or anything shaped like an archive page (past the last page is still a 404 to GET). */
function isFeedPath(path: string): boolean {
  return SUBSCRIPTION_PATHS.has(path) || parseArchivePath(path) !== undefined;
}

function sendRepresentation(req: Request, res: Response, representation: FeedRepresentation, chooseCoding: ContentCodingChooser): void {
  const coding = chooseCoding(req.headers['accept-encoding']);
  setCrossOriginHeaders(res);
  // A 304 carries ETag, Cache-Control and Vary, and no other metadata (RFC 9110 15.4.5).
  res.setHeader('ETag', representation.etags[coding]);
  res.setHeader('Cache-Control', representation.cacheControl);
  res.setHeader('Vary', 'Accept-Encoding');
  if (isNotModified({ ifNoneMatch: req.headers['if-none-match'], ifModifiedSince: req.headers['if-modified-since'] }, representation)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const body = representation.bodies[coding];
  res.setHeader('Last-Modified', representation.lastModifiedHttp);
  if (representation.links.length > 0) res.setHeader('Link', representation.links);
  res.setHeader('Content-Type', representation.contentType);
  if (coding !== 'identity') res.setHeader('Content-Encoding', coding);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
