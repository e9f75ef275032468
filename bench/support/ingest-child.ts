/**
 * One cold ingest and then rescans of `seedsDir` into a fresh store under `dataDir`, in a process
 * of its own so that its peak RSS is the ingest's alone. Prints one JSON line:
 * { coldMs, coldCpuMs (user + system CPU of the cold ingest: far less sensitive than wall time to
 *   other work on a shared machine), rescanMs (median), statMs (median bare readdir + stat,
 *   alternated with the rescans), idleRssMb (after start-up, before the ingest), peakRssMb
 *   (maxRSS of the whole process) }.
 *
 *   node --import tsx bench/support/ingest-child.ts <seedsDir> <dataDir> <count> [rounds]
 */
import { loadConfig } from '../../src/config/load-config.ts';
import { createGazette } from '../../src/main.ts';
import { medianOf, readdirAndStat, timed } from './bench-seeds.ts';

const [seedsDir, dataDir, countText, roundsText] = process.argv.slice(2);
const count = Number(countText);
const rounds = Number(roundsText ?? 5);
const config = loadConfig({
  env: {},
  overrides: { paths: { seedsDir: seedsDir!, dataDir: dataDir! }, log: { level: 'silent' }, scheduler: { enabled: false } },
});
const gazette = await createGazette(config);
try {
  const idleRssMb = process.memoryUsage().rss / 2 ** 20;
  const cpuBefore = process.cpuUsage();
  const cold = await timed(() => gazette.core.ingest.run());
  const cpu = process.cpuUsage(cpuBefore);
  if (cold.value.added.length !== count || cold.value.problems.length > 0)
    throw new Error(`cold ingest added ${cold.value.added.length} of ${count} with ${cold.value.problems.length} problems`);
  const peakAfterCold = process.resourceUsage().maxRSS / 1024;
  const rescans: number[] = [];
  const stats: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const rescan = await timed(() => gazette.core.ingest.run());
    if (rescan.value.read !== 0 || rescan.value.changed) throw new Error('the rescan read files or changed something');
    rescans.push(rescan.ms);
    stats.push((await timed(() => readdirAndStat(seedsDir!))).ms);
  }
  const result = {
    coldMs: cold.ms,
    coldCpuMs: (cpu.user + cpu.system) / 1000,
    rescanMs: medianOf(rescans),
    statMs: medianOf(stats),
    idleRssMb,
    peakRssMb: peakAfterCold,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await gazette.close();
}
