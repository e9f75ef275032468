import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The bare Node ceiling: node:http answering from Buffers in memory, nothing else per request
 * (no framework, no logging). Each route has an identity body and optionally a gzip one, each
 * with its strong ETag; If-None-Match answers 304. Started as a child process with a manifest
 * file (JSON: `{ "/path": { "type", "identity": file, "gzip"?: file } }`) as its argument; prints
 * its port on stdout.
 */
export interface BareRoute {
  type: string;
  identity: string;
  gzip?: string;
}

interface Body {
  bytes: Buffer;
  etag: string;
}

const etagOf = (bytes: Buffer): string => `"${createHash('sha1').update(bytes).digest('base64url')}"`;
const load = (file: string): Body => {
  const bytes = readFileSync(file);
  return { bytes, etag: etagOf(bytes) };
};

const manifest = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Record<string, BareRoute>;
const routes = new Map(
  Object.entries(manifest).map(([pathname, r]) => [
    pathname,
    { type: r.type, identity: load(r.identity), gzip: r.gzip === undefined ? undefined : load(r.gzip) },
  ]),
);

const server = createServer((req, res) => {
  const route = routes.get(req.url ?? '');
  if (!route) {
    res.statusCode = 404;
    res.end();
    return;
  }
  const gzip = route.gzip !== undefined && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const body = gzip ? route.gzip! : route.identity;
  res.setHeader('Content-Type', route.type);
  res.setHeader('ETag', body.etag);
  if (route.gzip) res.setHeader('Vary', 'Accept-Encoding');
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  if (req.headers['if-none-match'] === body.etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Length', body.bytes.length);
  res.end(body.bytes);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
