import { Router } from 'express';
import type { Stylesheet } from './views/stylesheet.ts';
import { methodNotAllowed } from './method-not-allowed.ts';

const STYLESHEET_METHODS = 'GET, HEAD, OPTIONS';

/** The stylesheet, under its content-hashed name: cached for a year, compressed once at start; other methods 405. */
export function assetsRoutes(stylesheet: Stylesheet): Router {
  const router = Router();
  router.get(stylesheet.href, (req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=31536000, immutable', ETag: stylesheet.etag, Vary: 'Accept-Encoding' });
    res.type('text/css; charset=utf-8');
    if (req.headers['if-none-match'] === stylesheet.etag) {
      res.status(304).end();
      return;
    }
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    if (gzip) res.set('Content-Encoding', 'gzip');
    res.send(gzip ? stylesheet.gzipped : stylesheet.body);
  });
  router.options(stylesheet.href, (_req, res) => {
    res.status(204).set('Allow', STYLESHEET_METHODS).end();
  });
  router.all(stylesheet.href, methodNotAllowed(STYLESHEET_METHODS));
  return router;
}
