/**
 * Benchmark 2: cold ingest of 10,000 generated seed files (target ≤ 5 s), then a rescan of the
 * same files with nothing changed (target ≤ 200 ms). Each is printed beside a baseline measured
 * in the same run on the same files, as a ratio (the machine is shared and noisy):
 * - cold ingest vs. reading and hashing every file (the least any ingest must do);
 * - rescan vs. a bare recursive readdir + stat of every file (the least any rescan must do).
 *
 *   npx tsx bench/ingest.ts [count]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';
import { createGazette } from '../src/main.ts';
import { writeBenchSeeds } from './support/seed-files.ts';

const COUNT = Number(process.argv[2] ?? 10_000);
const ROUNDS = 5;

async function readdirAndStat(dir: string): Promise<number> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.txt'));
  const stats = await Promise.all(names.map((n) => stat(path.join(dir, n))));
  return stats.length;
}

async function readAndHash(dir: string): Promise<number> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.txt'));
  let bytes = 0;
  for (let i = 0; i < names.length; i += 256) {
    const buffers = await Promise.all(names.slice(i, i + 256).map((n) => readFile(path.join(dir, n))));
    for (const b of buffers) {
      createHash('sha256').update(b).digest();
      bytes += b.length;
    }
  }
  return bytes;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** The median of `ROUNDS` runs: one slow round on a shared machine should not decide the figure. */
async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) times.push((await timed(fn)).ms);
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'gazette-bench-ingest-'));
  try {
    const seedsDir = path.join(root, 'seeds');
    writeBenchSeeds(seedsDir, COUNT);
    const bytes = await readAndHash(seedsDir); // warms the page cache so every measure reads from memory
    console.log(`${COUNT} seed files, ${(bytes / 1e6).toFixed(1)} MB, ${ROUNDS} rounds each (median)\n`);

    const hashMs = await median(() => readAndHash(seedsDir));
    const statMs = await median(() => readdirAndStat(seedsDir));

    const coldTimes: number[] = [];
    const rescanTimes: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const config = loadConfig({
        env: {},
        overrides: { paths: { seedsDir, dataDir: path.join(root, `data-${r}`) }, log: { level: 'silent' }, scheduler: { enabled: false } },
      });
      const gazette = await createGazette(config);
      try {
        const cold = await timed(() => gazette.core.ingest.run());
        if (cold.value.added.length !== COUNT || cold.value.problems.length > 0)
          throw new Error(`cold ingest added ${cold.value.added.length} with ${cold.value.problems.length} problems`);
        const rescan = await timed(() => gazette.core.ingest.run());
        if (rescan.value.read !== 0 || rescan.value.changed) throw new Error('the rescan read files or changed something');
        coldTimes.push(cold.ms);
        rescanTimes.push(rescan.ms);
      } finally {
        await gazette.close();
      }
    }
    const mid = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const coldMs = mid(coldTimes);
    const rescanMs = mid(rescanTimes);
    const row = (name: string, ms: number, target: number, baseName: string, baseMs: number): string =>
      `${name.padEnd(16)} ${ms.toFixed(0).padStart(6)} ms  (target ≤ ${target} ms: ${ms <= target ? 'met' : 'MISSED'})  ${(ms / baseMs).toFixed(2)}x ${baseName} (${baseMs.toFixed(0)} ms)`;
    console.log(row('cold ingest', coldMs, 5000, 'read+hash', hashMs));
    console.log(row('rescan', rescanMs, 200, 'readdir+stat', statMs));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
