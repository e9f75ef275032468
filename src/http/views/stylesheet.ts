import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/**
 * The site's one stylesheet, served from our own origin (the CSP allows styles from 'self' only)
 * under a name that carries a hash of its bytes, so it can be cached for a year: an edit
 * changes the name, and every page links the new one.
 */
export interface Stylesheet {
  /** `/assets/site.<hash>.css` */
  href: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

export function loadStylesheet(file: string): Stylesheet {
  const body = readFileSync(file);
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
  return { href: `/assets/site.${hash}.css`, body, gzipped: gzipSync(body, { level: 9 }), etag: `"${hash}"` };
}
