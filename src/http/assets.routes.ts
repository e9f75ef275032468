import { Router } from 'express';
import type { Stylesheet } from './views/stylesheet.ts';

/** The stylesheet, under its content-hashed name: cached for a year, compressed once at start. */
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
  return router;
}
