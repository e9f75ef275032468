import { Router, type Request, type Response } from 'express';
import type { FeedPublisher } from '../feeds/feed-publisher.service.ts';
import type { FeedRepresentation } from '../feeds/feed-representation.ts';
import { createContentCodingChooser, isNotModified, type ContentCodingChooser } from '../feeds/negotiate.ts';
import { feedPaths } from '../feeds/feed-links.ts';

/**
 * RSS, Atom and JSON Feed, and their archive pages, straight from the publisher's memory.
 * Express routes GET and HEAD here alike; Node drops the body of a HEAD response.
 */
export function feedsRoutes(publisher: FeedPublisher): Router {
  const router = Router();
  const chooseCoding = createContentCodingChooser();
  router.get([...Object.values(feedPaths), '/feeds/archive/:file'], (req, res, next) => {
    // The common case answers synchronously: no promise per request (see BENCHMARKS.md, "Feeds").
    const ready = publisher.findReady(req.path);
    if (ready) return sendRepresentation(req, res, ready, chooseCoding);
    publisher.find(req.path).then((representation) => (representation ? sendRepresentation(req, res, representation, chooseCoding) : next()), next);
  });
  return router;
}

function sendRepresentation(req: Request, res: Response, representation: FeedRepresentation, chooseCoding: ContentCodingChooser): void {
  const coding = chooseCoding(req.headers['accept-encoding']);
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
