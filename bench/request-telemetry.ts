/**
 * What the access line and the metrics cost per request:
 *   npx tsx bench/request-telemetry.ts [seconds-per-run, default 3]
 * Two `createGazette` servers in child processes: "quiet" (log.level silent, metrics off: the
 * request id and its context still run, the line and the counters are no-ops) and "observed"
 * (log.level info, every access line written to a file, Prometheus metrics on). GET /livez, the
 * cheapest route, so the per-request overhead is as large a share as it can be. The ratio is the
 * median over rounds of observed/quiet measured back to back, alternating which runs first.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load-config.ts';
import { createGazette } from '../src/main.ts';
import { createLogger } from '../src/shared/logger.ts';
import { measureRawRate } from './raw-http-client.ts';

const SECONDS = process.argv[2] === undefined || process.argv[2] === 'serve' ? 3 : Number(process.argv[2]);
const ROUNDS = 7;

async function serve(mode: 'quiet' | 'observed'): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-bench-'));
  const observed = mode === 'observed';
  const config = loadConfig({
    env: {},
    overrides: {
      paths: { seedsDir: path.join(dir, 'seeds'), dataDir: path.join(dir, 'data') },
      log: { level: observed ? 'info' : 'silent' },
      server: { port: 0 },
      scheduler: { enabled: false },
      metrics: { listen: observed ? '127.0.0.1:0' : null },
    },
  });
  const log = createLogger({ level: config.log.level, destination: createWriteStream(path.join(dir, 'access.log')) });
  mkdirSync(config.paths.seedsDir);
  const gazette = await createGazette(config, { log });
  await gazette.start();
  process.send!({ url: gazette.address() });
  process.on('disconnect', () => void gazette.close().then(() => rmSync(dir, { recursive: true, force: true })));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function start(mode: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', mode], { execArgv: ['--import', 'tsx'] });
  const { url } = await new Promise<{ url: string }>((resolve) => child.once('message', (m) => resolve(m as { url: string })));
  return { child, port: Number(new URL(url).port) };
}

async function main(): Promise<void> {
  const quiet = await start('quiet');
  const observed = await start('observed');
  const rate = (port: number): Promise<number> => measureRawRate({ port, path: '/livez', headers: {}, seconds: SECONDS, connections: 16 });
  const ratios: number[] = [];
  const rates = { quiet: [] as number[], observed: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['quiet', 'observed'] as const) : (['observed', 'quiet'] as const);
    const got: Record<string, number> = {};
    for (const which of order) got[which] = await rate(which === 'quiet' ? quiet.port : observed.port);
    rates.quiet.push(got.quiet!);
    rates.observed.push(got.observed!);
    ratios.push(got.observed! / got.quiet!);
  }
  console.log(`GET /livez, 16 connections, ${ROUNDS} rounds of ${SECONDS}s (raw keep-alive client)`);
  console.log(`quiet    (no access line, no metrics): median ${Math.round(median(rates.quiet))} req/s`);
  console.log(`observed (access line to a file, metrics): median ${Math.round(median(rates.observed))} req/s`);
  console.log(`observed/quiet: median ${median(ratios).toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})`);
  quiet.child.disconnect();
  observed.child.disconnect();
}

if (process.argv[2] === 'serve') void serve(process.argv[3] as 'quiet' | 'observed');
else void main();
