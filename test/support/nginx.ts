import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { projectRoot } from '../../src/config/load-config.ts';
import { makeLocalPki } from './local-pki.ts';
import { makeTempDir } from './temp-dir.ts';
import { waitUntil } from './wait.ts';

export const NGINX = '/usr/sbin/nginx';
/** The configuration the README recommends, as an operator copies it. */
export const SHIPPED_NGINX_CONF = path.join(projectRoot, 'deploy/nginx/gazette.conf');

export interface NginxProxy {
  /** "https://localhost:<port>": what readers use (site.baseUrl points here). */
  httpsOrigin: string;
  tlsPort: number;
  httpPort: number;
  /** The test CA that issued nginx's certificate. */
  caPem: string;
  /** nginx's error log so far (for failure messages). */
  errors: () => string;
}

/** A port free on every address, IPv4 and IPv6, when asked (nginx needs its ports written in its config). */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The shipped file with only its marked values replaced: every line marked "CHANGE" must have
 * been changed, and each replacement must hit as often as expected, so that the test and the
 * shipped file cannot drift apart.
 */
export function fillShippedConf(shipped: string, replacements: readonly { from: string; to: string; times: number }[]): string {
  let text = shipped;
  for (const { from, to, times } of replacements) {
    assert.equal(text.split(from).length - 1, times, `"${from}" appears ${times} time(s) in deploy/nginx/gazette.conf`);
    text = text.split(from).join(to);
  }
  const shippedMarked = shipped.split('\n').filter((line) => /#\s*CHANGE/.test(line));
  const stillShipped = shippedMarked.filter((line) => text.split('\n').includes(line));
  assert.deepEqual(stillShipped, [], 'every line marked CHANGE is filled in for the test');
  return text;
}

/**
 * Debian's nginx started from a temporary prefix in front of Gazette at `upstreamPort`, with the
 * shipped deploy/nginx/gazette.conf included in an `http { }` block like Debian's own
 * /etc/nginx/nginx.conf, whose gzip lines are turned on (the case where double compression
 * could happen). TLS with a certificate for localhost from a throwaway CA made with openssl.
 * `feedFreshness` replaces the shipped 10 s so the test need not wait that long.
 */
export async function startNginx(t: TestContext, options: { upstreamPort: number; feedFreshness: string }): Promise<NginxProxy> {
  const dir = makeTempDir(t, 'gazette-nginx-');
  const pki = makeLocalPki(t);
  writeFileSync(path.join(dir, 'server.pem'), pki.serverCertPem);
  writeFileSync(path.join(dir, 'server.key'), pki.serverKeyPem);
  for (const sub of ['cache', 'body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, sub));
  writeFileSync(path.join(dir, 'nginx.conf'), mainConf(dir));
  // The ports are free when picked; on a shared machine another process may take one before
  // nginx binds it, so a bind failure picks again.
  for (let attempt = 1; ; attempt++) {
    const [httpPort, tlsPort] = [await findFreePort(), await findFreePort()];
    writeFileSync(path.join(dir, 'gazette.conf'), siteConf(dir, { ...options, httpPort, tlsPort }));
    const started = await launch(t, dir);
    if (started.ok) return { httpsOrigin: `https://localhost:${tlsPort}`, tlsPort, httpPort, caPem: pki.caPem, errors: started.errors };
    if (!/Address already in use/.test(started.errors()) || attempt === 3) throw new Error(`nginx did not start: ${started.errors()}`);
  }
}

function siteConf(dir: string, values: { upstreamPort: number; feedFreshness: string; httpPort: number; tlsPort: number }): string {
  return fillShippedConf(readFileSync(SHIPPED_NGINX_CONF, 'utf8'), [
    { from: '/var/cache/nginx/gazette', to: path.join(dir, 'cache'), times: 1 },
    { from: 'server 127.0.0.1:8080;', to: `server 127.0.0.1:${values.upstreamPort};`, times: 1 },
    { from: 'listen 80;', to: `listen 127.0.0.1:${values.httpPort};`, times: 1 },
    { from: 'listen [::]:80;', to: `listen [::1]:${values.httpPort};`, times: 1 },
    { from: 'listen 443 ssl http2;', to: `listen 127.0.0.1:${values.tlsPort} ssl http2;`, times: 1 },
    { from: 'listen [::]:443 ssl http2;', to: `listen [::1]:${values.tlsPort} ssl http2;`, times: 1 },
    { from: 'server_name news.example.com;', to: 'server_name localhost;', times: 2 },
    { from: '/etc/letsencrypt/live/news.example.com/fullchain.pem', to: path.join(dir, 'server.pem'), times: 1 },
    { from: '/etc/letsencrypt/live/news.example.com/privkey.pem', to: path.join(dir, 'server.key'), times: 1 },
    { from: 'proxy_cache_valid 200 10s;', to: `proxy_cache_valid 200 ${values.feedFreshness};`, times: 1 },
  ]);
}

/** What Debian's /etc/nginx/nginx.conf sets around a site, with paths inside `dir`. */
function mainConf(dir: string): string {
  const temp = (kind: string) => `${kind}_temp_path ${path.join(dir, kind === 'client_body' ? 'body' : kind)};`;
  return [
    // As root the workers would otherwise run as nobody, who cannot enter the private temporary directory.
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;',
    'events { worker_connections 256; }',
    'http {',
    '  include /etc/nginx/mime.types;',
    '  default_type application/octet-stream;',
    '  sendfile on;',
    '  tcp_nopush on;',
    `  access_log ${path.join(dir, 'access.log')};`,
    `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
    // Debian's nginx.conf ships `gzip on;` and these lines commented out: an operator who turns them on must not get feeds compressed twice.
    '  gzip on;',
    '  gzip_vary on;',
    '  gzip_proxied any;',
    '  gzip_comp_level 6;',
    '  gzip_types text/plain text/css application/json application/javascript text/xml application/xml application/xml+rss text/javascript application/rss+xml application/atom+xml application/feed+json;',
    `  include ${path.join(dir, 'gazette.conf')};`,
    '}',
    '',
  ].join('\n');
}

/** Runs nginx until the test ends; `ok` once its pid file exists (written after it has bound its ports), not ok if it exits first. */
async function launch(t: TestContext, dir: string): Promise<{ ok: boolean; errors: () => string }> {
  const errorLog = path.join(dir, 'error.log');
  const pidFile = path.join(dir, 'nginx.pid');
  rmSync(errorLog, { force: true });
  const child = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', errorLog, '-g', `daemon off; pid ${pidFile};`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const errors = () => `${stderr}${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`;
  const ok = await waitUntil(() => (child.exitCode !== null ? 'exited' : existsSync(pidFile) && 'running'), 'nginx running or exited');
  return { ok: ok === 'running', errors };
}

export interface ProxiedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Header lines as received, to count repeated ones (HSTS, Vary). */
  rawHeaders: string[];
  /** The bytes as sent: never decompressed. */
  body: Buffer;
}

export interface ProxiedRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** The client's source address: a different 127.x address is a different client to nginx. */
  localAddress?: string;
  /** Plain HTTP to nginx's port 80 server instead of TLS. */
  plain?: boolean;
}

/** One request to nginx on its own connection (so that `localAddress` is the client's address). */
export function requestViaNginx(proxy: NginxProxy, pathname: string, options: ProxiedRequest = {}): Promise<ProxiedResponse> {
  const common = {
    host: '127.0.0.1',
    method: options.method ?? 'GET',
    path: pathname,
    headers: { Host: 'localhost', ...options.headers },
    agent: false as const,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = options.plain
      ? httpRequest({ ...common, port: proxy.httpPort })
      : httpsRequest({ ...common, port: proxy.tlsPort, ca: proxy.caPem, servername: 'localhost' });
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
      );
    });
    req.end(options.body);
  });
}

/** How many times a response carried header `name` (any case), and their values. */
export function headerLines(response: ProxiedResponse, name: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < response.rawHeaders.length; i += 2)
    if (response.rawHeaders[i]!.toLowerCase() === name.toLowerCase()) lines.push(response.rawHeaders[i + 1]!);
  return lines;
}
