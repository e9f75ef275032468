import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../test/support/nginx.ts';
import { TEST_SECRET } from '../../test/support/test-config.ts';
import { waitUntil } from '../../test/support/wait.ts';
import type { BareRoute } from './bare-node-server.ts';

export const NGINX = '/usr/sbin/nginx';
const GAZETTE_BIN = fileURLToPath(new URL('../../bin/gazette.js', import.meta.url));

/** A server process under benchmark: where it answers, and how to stop it. */
export interface BenchServer {
  readonly origin: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
}

/**
 * Writes the config file a Gazette process reads (GAZETTE_CONFIG): SQLite in `dataDir`, port 0,
 * the fixed test secret; `extra` is merged over it at the top level.
 */
export function writeGazetteConfig(dir: string, settings: { seedsDir: string; extra?: Record<string, unknown> }): string {
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dir, 'gazette.json');
  writeFileSync(
    file,
    JSON.stringify({
      site: { baseUrl: 'https://news.example.com' },
      server: { port: 0 },
      paths: { dataDir, seedsDir: settings.seedsDir },
      secret: TEST_SECRET,
      ...settings.extra,
    }),
  );
  return file;
}

/** The real `gazette serve` (bin/gazette.js, as installed) on `configFile`, resolved once it says where it listens. */
export async function startGazetteServe(configFile: string): Promise<BenchServer> {
  const child = spawn(process.execPath, [GAZETTE_BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', GAZETTE_CONFIG: configFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const listening = /\(listening on (http:\/\/[^)\s]+)\)/.exec(output);
      if (listening) {
        child.stdout.off('data', onData);
        child.stdout.resume(); // the log is read and dropped, as a service manager's journal would take it
        resolve(listening[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gazette serve exited with ${code} before serving:\n${output}`)));
  });
  return { origin, child, stop: stopper(child) };
}

/** The bare Node `http` server (bench/support/bare-node-server.ts) in its own process over `routes`. */
export async function startBareNode(dir: string, routes: Record<string, BareRoute>): Promise<BenchServer> {
  const manifest = path.join(dir, 'bare-routes.json');
  writeFileSync(manifest, JSON.stringify(routes));
  const script = fileURLToPath(new URL('./bare-node-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, manifest], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { origin: `http://127.0.0.1:${line.toString().trim()}`, child, stop: stopper(child) };
}

/**
 * Debian's nginx as the static-file ceiling: one worker, sendfile, gzip_static (a pre-gzipped
 * `.gz` beside each file, same mtime), ETag, no access log, keep-alive without a request cap
 * (wrk's connections stay open as a feed reader's would). `root` holds the files; its own
 * prefix, config and logs are in `dir`.
 */
export async function startNginxStatic(dir: string, root: string): Promise<BenchServer> {
  const prefix = path.join(dir, 'nginx');
  mkdirSync(prefix, { recursive: true });
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(prefix, sub), { recursive: true });
  const errorLog = path.join(prefix, 'error.log');
  const pidFile = path.join(prefix, 'nginx.pid');
  const conf = path.join(prefix, 'nginx.conf');
  // A port free when picked may be taken before nginx binds it on a shared machine: pick again.
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    writeFileSync(conf, nginxConf(prefix, root, port));
    rmSync(errorLog, { force: true });
    const child = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', errorLog, '-g', `daemon off; pid ${pidFile};`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const state = await waitUntil(() => (child.exitCode !== null ? 'exited' : existsSync(pidFile) && 'running'), 'nginx running or exited');
    if (state === 'running') return { origin: `http://127.0.0.1:${port}`, child, stop: stopper(child) };
    const errors = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
    if (!/Address already in use/.test(errors) || attempt === 3) throw new Error(`nginx did not start: ${errors}`);
  }
}

function nginxConf(prefix: string, root: string, port: number): string {
  const temp = (kind: string, sub: string): string => `${kind}_temp_path ${path.join(prefix, sub)};`;
  return `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
events { worker_connections 4096; }
http {
  types { application/rss+xml xml; text/html html; }
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  gzip_static on;
  etag on;
  ${temp('client_body', 'body')} ${temp('proxy', 'proxy')} ${temp('fastcgi', 'fastcgi')} ${temp('uwsgi', 'uwsgi')} ${temp('scgi', 'scgi')}
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`;
}
