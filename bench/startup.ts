/**
 * Start-up and idle memory of `gazette serve`: the compiled build (`node bin/gazette.js serve`,
 * what `npm start` and a production install run) against the TypeScript paths it replaces, in the
 * same run on the same files, as a ratio (the machine is shared and noisy):
 * - `tsx src/cli.ts serve`: what `npm start` ran before the build (tsx's CLI, which starts a
 *   second node process with its loader);
 * - `node --import tsx src/cli.ts serve`: the loader in one process, as the tests run it;
 * - a bare `node:http` server answering 200: the floor of any Node service.
 * Each with 20 and with 10,000 articles in seeds/, cold (an empty data directory: migrations and a
 * full ingest before the server listens) and warm (a store that already ingested them).
 *
 * Start-up: from spawn to the first 200 on /healthz (polled every 5 ms once the process says
 * where it listens). Idle memory: resident set of the service's processes 3 s after that 200.
 *
 *   npm run build && npx tsx bench/startup.ts [rounds=3]
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../src/config/load-config.ts';
import { writeBenchSeeds } from './support/bench-seeds.ts';

const ROUNDS = Number(process.argv[2] ?? 3);
const IDLE_MS = 3000;

interface Variant {
  name: string;
  command: string[];
}

const VARIANTS: Variant[] = [
  { name: 'compiled', command: [process.execPath, path.join(projectRoot, 'bin/gazette.js'), 'serve'] },
  { name: 'tsx CLI', command: [path.join(projectRoot, 'node_modules/.bin/tsx'), path.join(projectRoot, 'src/cli.ts'), 'serve'] },
  { name: 'node --import tsx', command: [process.execPath, '--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), 'serve'] },
];

// The floor: a Node process that listens and answers 200, printing the same kind of line.
const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
  console.log('(listening on http://127.0.0.1:' + this.address().port + ')');
});`;

/** The resident set of `pid` and all its descendants, in MB (from /proc). */
function treeRssMb(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let kb = 0;
  const visit = (p: number): void => {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(rss?.[1] ?? 0);
    } catch {
      return;
    }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return kb / 1024;
}

interface Sample {
  startMs: number;
  rssMb: number;
}

async function startOnce(command: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const t0 = performance.now();
  const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: projectRoot });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let url: string | undefined;
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no 200 on /healthz:\n${output}`);
      url ??= /\(listening on (http:\/\/[^)\s]+)\)/.exec(output)?.[1];
      if (url) {
        const status = await fetch(`${url}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) break;
      }
      await sleep(5);
    }
    const startMs = performance.now() - t0;
    await sleep(IDLE_MS);
    const rssMb = treeRssMb(child.pid!);
    return { startMs, rssMb };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!existsSync(path.join(projectRoot, 'dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const root = mkdtempSync(path.join(tmpdir(), 'gazette-bench-startup-'));
  const [load1] = loadavg();
  console.log(
    `Node ${process.version}, ${ROUNDS} rounds each (median), idle RSS ${IDLE_MS / 1000} s after the first 200; load average ${load1!.toFixed(2)}\n`,
  );
  try {
    const bare = { start: [] as number[], rss: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const s = await startOnce([process.execPath, '-e', BARE_SERVER], process.env);
      bare.start.push(s.startMs);
      bare.rss.push(s.rssMb);
    }
    const bareStart = median(bare.start);
    console.log(`bare node:http server: start ${bareStart.toFixed(0)} ms, RSS ${median(bare.rss).toFixed(0)} MB\n`);
    console.log('articles  store  variant              start (ms)  x compiled  RSS (MB)  x compiled');

    for (const count of [20, 10_000]) {
      const seedsDir = path.join(root, `seeds-${count}`);
      writeBenchSeeds(seedsDir, count);
      const warmData = path.join(root, `warm-${count}`);
      let round = 0;
      const configFor = (dataDir: string): string => {
        const file = path.join(root, `config-${++round}.json`);
        writeFileSync(
          file,
          JSON.stringify({
            site: { baseUrl: 'https://news.example.com' },
            server: { port: 0 },
            paths: { dataDir, seedsDir },
            log: { level: 'info' },
          }),
        );
        return file;
      };
      // A store that has ingested every article: made once by the compiled build, copied per start.
      await startOnce(VARIANTS[0]!.command, { ...process.env, GAZETTE_CONFIG: configFor(warmData) });

      for (const store of ['cold', 'warm'] as const) {
        const results = new Map<string, { start: number[]; rss: number[] }>();
        // Rounds interleave the variants, so a burst of load on the shared machine hits all of them.
        for (let r = 0; r < ROUNDS; r++) {
          for (const variant of VARIANTS) {
            const dataDir = path.join(root, `data-${round + 1}`);
            if (store === 'warm') cpSync(warmData, dataDir, { recursive: true });
            const sample = await startOnce(variant.command, { ...process.env, GAZETTE_CONFIG: configFor(dataDir) });
            rmSync(dataDir, { recursive: true, force: true });
            const entry = results.get(variant.name) ?? { start: [], rss: [] };
            entry.start.push(sample.startMs);
            entry.rss.push(sample.rssMb);
            results.set(variant.name, entry);
          }
        }
        const compiled = results.get('compiled')!;
        for (const variant of VARIANTS) {
          const { start, rss } = results.get(variant.name)!;
          console.log(
            `${String(count).padStart(8)}  ${store.padEnd(5)}  ${variant.name.padEnd(19)}  ${median(start).toFixed(0).padStart(10)}  ${(median(start) / median(compiled.start)).toFixed(2).padStart(10)}  ${median(rss).toFixed(0).padStart(8)}  ${(median(rss) / median(compiled.rss)).toFixed(2).padStart(10)}`,
          );
        }
      }
    }
    console.log(
      `\n(bare node:http start ${bareStart.toFixed(0)} ms is the floor of any Node service; load average now ${loadavg()[0]!.toFixed(2)})`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
