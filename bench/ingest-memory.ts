/**
 * Ingest at scale (issue 16): peak memory and how time grows with the number of seed files.
 * For each count (default 1,000, 10,000 and 40,000 generated files, 2.4 KB each), a child
 * process makes a cold ingest into a fresh SQLite store and then rescans with nothing changed;
 * its peak RSS is the child's maxRSS (the whole process: Node, tsx, the app, the ingest).
 * Baselines in the same run: read + SHA-256 of every file (parent, median of 3) for the cold
 * ingest, and a bare recursive readdir + stat measured in the child alternately with each rescan.
 *
 *   npx tsx bench/ingest-memory.ts [count ...]
 *
 * Targets: peak RSS ≤ 300 MB at 40,000 files; cold time per file at the largest count within
 * 1.2x of that at 10,000; rescan ≤ 1.1x readdir + stat.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { medianOf, readAndHash, timed, writeBenchSeeds } from './support/bench-seeds.ts';

const counts = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1_000, 10_000, 40_000];
const child = path.join(import.meta.dirname, 'support', 'ingest-child.ts');

interface ChildResult {
  coldMs: number;
  coldCpuMs: number;
  rescanMs: number;
  statMs: number;
  idleRssMb: number;
  peakRssMb: number;
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`load average at start: ${load()}`);
const rows: { count: number; hashMs: number; result: ChildResult }[] = [];
for (const count of counts) {
  const root = mkdtempSync(path.join(tmpdir(), 'gazette-bench-ingest-mem-'));
  try {
    const seedsDir = path.join(root, 'seeds');
    writeBenchSeeds(seedsDir, count);
    await readAndHash(seedsDir); // warms the page cache: every measure reads from memory
    const hashes: number[] = [];
    for (let r = 0; r < 3; r++) hashes.push((await timed(() => readAndHash(seedsDir))).ms);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', child, seedsDir, path.join(root, 'data'), String(count)],
      {
        maxBuffer: 1 << 20,
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
    rows.push({ count, hashMs: medianOf(hashes), result });
    const r = result;
    console.log(
      `${String(count).padStart(6)} files: peak RSS ${r.peakRssMb.toFixed(0)} MB (idle ${r.idleRssMb.toFixed(0)} MB); ` +
        `cold ${r.coldMs.toFixed(0)} ms = ${((r.coldMs / count) * 1000).toFixed(0)} µs/file (${(r.coldMs / medianOf(hashes)).toFixed(2)}x read+hash), ` +
        `CPU ${((r.coldCpuMs / count) * 1000).toFixed(0)} µs/file; ` +
        `rescan ${r.rescanMs.toFixed(0)} ms (${(r.rescanMs / r.statMs).toFixed(2)}x readdir+stat ${r.statMs.toFixed(0)} ms); load ${load()}`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
const base = rows.find((r) => r.count === 10_000);
const largest = rows.at(-1)!;
if (base !== undefined && largest.count > 10_000) {
  const ratio = (of: (r: ChildResult) => number): string =>
    (of(largest.result) / largest.count / (of(base.result) / base.count)).toFixed(2);
  console.log(
    `cold ingest per file, ${largest.count} vs 10000 files: wall time ${ratio((r) => r.coldMs)}x, CPU time ${ratio((r) => r.coldCpuMs)}x (target ≤ 1.2x)`,
  );
}
console.log(`peak RSS at ${largest.count} files: ${largest.result.peakRssMb.toFixed(0)} MB (target ≤ 300 MB at 40,000)`);
console.log(`load average at end: ${load()}`);
