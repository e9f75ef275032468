import { Router, type Request, type Response } from 'express';
import type { FeedPublisher } from '../feeds/feed-publisher.service.ts';
import type { FeedRepresentation } from '../feeds/feed-representation.ts';
import { chooseContentCoding, isNotModified } from '../feeds/negotiate.ts';
import { feedPaths } from '../feeds/feed-links.ts';

/**
 * RSS, Atom and JSON Feed, and their archive pages, straight from the publisher's memory.
 * Express routes GET and HEAD here alike; Node drops the body of a HEAD response.
 */
export function feedsRoutes(publisher: FeedPublisher): Router {
  const router = Router();
  router.get([...Object.values(feedPaths), '/feeds/archive/:file'], async (req, res, next) => {
    try {
      const representation = await publisher.find(req.path);
      if (!representation) return next();
      sendRepresentation(req, res, representation);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

function sendRepresentation(req: Request, res: Response, representation: FeedRepresentation): void {
  const coding = chooseContentCoding(req.headers['accept-encoding']);
  // Validators and caching headers go on the 304 as well (RFC 9110 15.4.5).
  res.setHeader('ETag', representation.etags[coding]);
  res.setHeader('Last-Modified', representation.lastModifiedHttp);
  res.setHeader('Cache-Control', representation.cacheControl);
  res.setHeader('Vary', 'Accept-Encoding');
  if (representation.links.length > 0) res.setHeader('Link', representation.links);
  if (isNotModified({ ifNoneMatch: req.headers['if-none-match'], ifModifiedSince: req.headers['if-modified-since'] }, representation)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const body = representation.bodies[coding];
  res.setHeader('Content-Type', representation.contentType);
  if (coding !== 'identity') res.setHeader('Content-Encoding', coding);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
