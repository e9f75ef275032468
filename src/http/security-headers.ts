import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Config } from '../config/config.schema.ts';

/**
 * helmet's headers with a strict Content-Security-Policy: no script at all (pages work without
 * JavaScript), styles only from our own stylesheet, forms post only to us, no framing.
 * HSTS only when the site is served over HTTPS (on plain HTTP it would mean nothing).
 * Everything is same-origin (Cross-Origin-Resource-Policy: same-origin, no CORS) except the
 * feeds and archive pages, whose route replaces that with feed-cross-origin.ts's headers.
 */
export function securityHeaders(config: Config): RequestHandler {
  const https = config.site.baseUrl.startsWith('https://');
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'base-uri': ["'none'"],
        'frame-ancestors': ["'none'"],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: false } : false,
  });
}

/**
 * The one exception to "no script": the subscribe page when proof of work is on runs the ALTCHA
 * widget, its worker and its challenge request, all from our own origin. Replaces the header
 * helmet set for this response only.
 */
export function allowOwnScripts(res: Response): void {
  const policy = String(res.getHeader('Content-Security-Policy') ?? '');
  const extra = ["script-src 'self'", "worker-src 'self'", "connect-src 'self'"];
  res.setHeader('Content-Security-Policy', [policy, ...extra].filter(Boolean).join(';'));
}

/** A console page that loads the console's own script (console/import-progress.script.ts): from our origin only. */
export function allowOwnScript(res: Response): void {
  const policy = String(res.getHeader('Content-Security-Policy') ?? '');
  res.setHeader('Content-Security-Policy', [policy, "script-src 'self'"].filter(Boolean).join(';'));
}

/** The console's digest preview page frames the preview's HTML, served from our own origin. */
export function allowOwnFrames(res: Response): void {
  const policy = String(res.getHeader('Content-Security-Policy') ?? '');
  res.setHeader('Content-Security-Policy', [policy, "frame-src 'self'"].filter(Boolean).join(';'));
}

/**
 * A mail's HTML shown inside the console's preview frame: the mail's own inline styles allowed,
 * no script, no request anywhere (sandboxed: no origin, no forms), framed only by our own pages.
 */
export function framedMailPolicy(res: Response): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox",
  );
  res.setHeader('X-Frame-Options', 'SAMEORIGIN');
}
