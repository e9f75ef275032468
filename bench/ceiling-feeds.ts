/**
 * Feeds and pages against the machine's ceiling (issue 16): the same bytes served in one run by
 * Debian's nginx (1 worker, sendfile, gzip_static), a bare Node `http` server sending Buffers,
 * and the real `gazette serve` in a child process, each loaded with Debian's wrk, alternating
 * the servers run by run. The bytes nginx and bare Node serve are Gazette's own answers.
 *   npx tsx bench/ceiling-feeds.ts [--runs 3] [--seconds 10] [--connections 32,256]
 * Not part of `npm test`: it takes minutes (cases × 3 servers × runs × seconds) and wants a quiet machine.
 */
import { mkdirSync, mkdtempSync, utimesSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { articlePath } from '../src/articles/article-url.ts';
import { writeRealisticArticles } from './support/realistic-articles.ts';
import { startBareNode, startGazetteServe, startNginxStatic, writeGazetteConfig, type BenchServer } from './support/ceiling-servers.ts';
import { processCpuMicros } from './support/process-cpu.ts';
import { ensureBenchTools, load, median, runWrk, type WrkResult } from './support/wrk.ts';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32,256' },
  },
});
const RUNS = Number(flags.runs);
const SECONDS = Number(flags.seconds);
const CONNECTIONS = flags.connections.split(',').map(Number);
if (!(RUNS >= 1 && SECONDS >= 1 && CONNECTIONS.every((c) => c >= 2)))
  throw new Error('--runs ≥ 1, --seconds ≥ 1, --connections a list of numbers ≥ 2 (wrk runs 2 threads)');

type ServerName = 'nginx' | 'bare Node' | 'Gazette';
const SERVERS: readonly ServerName[] = ['nginx', 'bare Node', 'Gazette'];
type Kind = 'identity' | 'gzip' | '304';

interface Resource {
  label: string;
  /** Path on each server (nginx and bare Node serve files named after the resource). */
  paths: Record<ServerName, string>;
  /** Whether the 304 and gzip cases ask for gzip (feeds: readers do; pages: compared identity only). */
  gzip: boolean;
  kinds: readonly Kind[];
}

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request on its own connection; the body as sent (never decompressed). */
function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.once('error', reject);
    req.end();
  });
}

async function gazetteBytes(origin: string, pathname: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await get(`${origin}${pathname}`, headers);
  if (response.status !== 200) throw new Error(`Gazette ${pathname}: ${response.status}`);
  return response;
}

const cleanups: (() => Promise<void> | void)[] = [];
try {
  ensureBenchTools();
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-ceiling-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const seedsDir = path.join(dir, 'seeds');
  // As many real-length articles as the feed holds (20 by default): an ~80 KB /feed.xml.
  writeRealisticArticles(seedsDir, 20, (i) => `2025-08-${String(i).padStart(2, '0')}`);
  // The production defaults otherwise (log level info, scheduler on), as an operator runs it.
  const gazette = await startGazetteServe(writeGazetteConfig(dir, { seedsDir }));
  cleanups.push(() => gazette.stop());

  const article = articlePath('bench-article-20');
  const feed = await gazetteBytes(gazette.origin, '/feed.xml');
  const feedGzip = await gazetteBytes(gazette.origin, '/feed.xml', { 'accept-encoding': 'gzip' });
  if (feedGzip.headers['content-encoding'] !== 'gzip') throw new Error('Gazette did not answer /feed.xml with gzip');
  const home = await gazetteBytes(gazette.origin, '/');
  const page = await gazetteBytes(gazette.origin, article);

  const root = path.join(dir, 'root');
  const files = { feed: path.join(root, 'feed.xml'), home: path.join(root, 'home.html'), article: path.join(root, 'article.html') };
  mkdirSync(root);
  writeFileSync(files.feed, feed.body);
  writeFileSync(`${files.feed}.gz`, feedGzip.body);
  writeFileSync(files.home, home.body);
  writeFileSync(files.article, page.body);
  // gzip_static serves the .gz only when it is as new as the file; one mtime for both.
  const stamp = new Date();
  utimesSync(files.feed, stamp, stamp);
  utimesSync(`${files.feed}.gz`, stamp, stamp);

  const nginx = await startNginxStatic(dir, root);
  cleanups.push(() => nginx.stop());
  const bare = await startBareNode(dir, {
    '/feed.xml': { type: String(feed.headers['content-type']), identity: files.feed, gzip: `${files.feed}.gz` },
    '/home.html': { type: 'text/html; charset=utf-8', identity: files.home },
    '/article.html': { type: 'text/html; charset=utf-8', identity: files.article },
  });
  cleanups.push(() => bare.stop());
  const servers: Record<ServerName, BenchServer> = { nginx, 'bare Node': bare, Gazette: gazette };

  const resources: Resource[] = [
    {
      label: '/feed.xml',
      paths: { nginx: '/feed.xml', 'bare Node': '/feed.xml', Gazette: '/feed.xml' },
      gzip: true,
      kinds: ['identity', 'gzip', '304'],
    },
    {
      label: 'home page /',
      paths: { nginx: '/home.html', 'bare Node': '/home.html', Gazette: '/' },
      gzip: false,
      kinds: ['identity', '304'],
    },
    {
      label: 'article page',
      paths: { nginx: '/article.html', 'bare Node': '/article.html', Gazette: article },
      gzip: false,
      kinds: ['identity', '304'],
    },
  ];
  const expectedBody = (r: Resource, kind: Kind): Buffer | null =>
    kind === '304'
      ? null
      : kind === 'gzip'
        ? feedGzip.body
        : r.label === '/feed.xml'
          ? feed.body
          : r.paths.Gazette === '/'
            ? home.body
            : page.body;

  /**
   * The headers a client sends for this case on this server, checked with one request first: the
   * status, the encoding and the body must be the case's, or the figures would compare different
   * work. The 304 case sends back the ETag the server itself gave. Gazette's pages carry a
   * per-request sign-up form stamp, so a page is checked by length (the stamp's is fixed), and a
   * page that answers 200 to its own ETag is measured as it answers, with a note.
   */
  async function headersFor(server: ServerName, r: Resource, kind: Kind): Promise<{ headers: Record<string, string>; note?: string }> {
    const url = `${servers[server].origin}${r.paths[server]}`;
    const base: Record<string, string> = kind === 'gzip' || (kind === '304' && r.gzip) ? { 'accept-encoding': 'gzip' } : {};
    let headers = base;
    if (kind === '304') {
      const etag = (await get(url, base)).headers.etag;
      if (!etag) throw new Error(`${server} ${r.paths[server]}: no ETag, so no 304 to measure`);
      headers = { ...base, 'if-none-match': etag };
    }
    const probe = await get(url, headers);
    const expected = expectedBody(r, kind);
    const problem = `${server} ${r.paths[server]} (${kind}): status ${probe.status}, encoding ${probe.headers['content-encoding']}, ${probe.body.length} bytes`;
    if (kind === '304') {
      if (probe.status === 304) return { headers };
      if (probe.status === 200 && !r.gzip) return { headers, note: `${problem}: no 304 for its own ETag, measured as it answers` };
      throw new Error(`${problem}; expected 304`);
    }
    const sameBody = r.gzip ? probe.body.equals(expected!) : probe.body.length === expected!.length;
    if (probe.status !== 200 || (probe.headers['content-encoding'] === 'gzip') !== (kind === 'gzip') || !sameBody)
      throw new Error(`${problem}; not the bytes under test`);
    return { headers };
  }

  console.log(
    `/feed.xml: ${feed.body.length} bytes identity, ${feedGzip.body.length} gzip; home page ${home.body.length} bytes; article page ${page.body.length} bytes`,
  );
  console.log(
    `wrk -t2, ${RUNS} runs of ${SECONDS}s per server and case, servers alternated; ${availableParallelism()} cores; load average at start ${load()}`,
  );

  interface Case {
    label: string;
    connections: number;
    headers: Record<ServerName, Record<string, string>>;
    urls: Record<ServerName, string>;
    results: Record<ServerName, WrkResult[]>;
    /** CPU µs of the server's process(es) per answered request, per run. */
    cpuPerRequest: Record<ServerName, number[]>;
    loads: string[];
  }
  const cases: Case[] = [];
  const notes: string[] = [];
  for (const r of resources)
    for (const kind of r.kinds)
      for (const connections of CONNECTIONS) {
        const headers = {} as Record<ServerName, Record<string, string>>;
        const urls = {} as Record<ServerName, string>;
        for (const s of SERVERS) {
          const checked = await headersFor(s, r, kind);
          headers[s] = checked.headers;
          if (checked.note && connections === CONNECTIONS[0]) notes.push(checked.note);
          urls[s] = `${servers[s].origin}${r.paths[s]}`;
        }
        cases.push({
          label: `${r.label} ${kind}, ${connections}`,
          connections,
          headers,
          urls,
          results: { nginx: [], 'bare Node': [], Gazette: [] },
          cpuPerRequest: { nginx: [], 'bare Node': [], Gazette: [] },
          loads: [],
        });
      }

  // A short warm-up of every server on every request, so that no first run pays for JIT and caches.
  for (const c of cases.filter((x) => x.connections === CONNECTIONS[0]))
    for (const s of SERVERS) await runWrk(c.urls[s], { connections: c.connections, seconds: 1, headers: c.headers[s] });

  for (let run = 0; run < RUNS; run++)
    for (const [i, c] of cases.entries()) {
      // Rotating which server goes first spreads drift in the machine's load over all three.
      const order = SERVERS.map((_, k) => SERVERS[(k + run + i) % SERVERS.length]!);
      c.loads.push(load());
      for (const s of order) {
        const pid = servers[s].child.pid!;
        const cpuBefore = processCpuMicros(pid);
        const result = await runWrk(c.urls[s], { connections: c.connections, seconds: SECONDS, headers: c.headers[s] });
        c.results[s].push(result);
        c.cpuPerRequest[s].push(result.requests === 0 ? NaN : (processCpuMicros(pid) - cpuBefore) / result.requests);
      }
    }

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-GB');
  const sum = (rs: WrkResult[], key: 'timeouts' | 'errors'): number => rs.reduce((n, x) => n + x[key], 0);
  console.log(
    '\n| case | nginx req/s | bare Node req/s | Gazette req/s | Gazette / bare Node | Gazette / nginx | p99 ms nginx / bare / Gazette | timeouts n / b / G | errors n / b / G | CPU µs per request n / b / G | bytes per answer (Gazette) | load |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const c of cases) {
    const rate = (s: ServerName): number => median(c.results[s].map((x) => x.requestsPerSecond));
    const ratio = (over: ServerName): number =>
      median(c.results.Gazette.map((g, k) => g.requestsPerSecond / c.results[over][k]!.requestsPerSecond));
    const cpu = SERVERS.map((s) => median(c.cpuPerRequest[s]).toFixed(0)).join(' / ');
    const p99 = SERVERS.map((s) => median(c.results[s].map((x) => x.p99Ms)).toFixed(1)).join(' / ');
    const timeouts = SERVERS.map((s) => sum(c.results[s], 'timeouts')).join(' / ');
    const errors = SERVERS.map((s) => sum(c.results[s], 'errors')).join(' / ');
    const bytes = fmt(median(c.results.Gazette.map((x) => x.bytesPerResponse)));
    console.log(
      `| ${c.label} | ${fmt(rate('nginx'))} | ${fmt(rate('bare Node'))} | ${fmt(rate('Gazette'))} | ${ratio('bare Node').toFixed(2)} | ${ratio('nginx').toFixed(2)} | ${p99} | ${timeouts} | ${errors} | ${cpu} | ${bytes} | ${c.loads.join(', ')} |`,
    );
  }
  for (const note of notes) console.log(`note: ${note}`);
  console.log(`\nload average at end ${load()}; medians of ${RUNS} runs; a ratio is the median of the runs' ratios`);
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
