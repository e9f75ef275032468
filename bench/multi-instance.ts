import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createDueEdition } from '../src/editions/edition.service.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { countPendingDeliveries } from '../src/mail/outbox.repository.ts';
import { createGazette } from '../src/main.ts';
import { writeArticle } from '../test/support/build-article.ts';
import { insertReaders, startInstance } from '../test/support/gazette-instances.ts';
import { makeTempDir } from '../test/support/temp-dir.ts';
import { TEST_SECRET } from '../test/support/test-config.ts';
import { makeTestDatabaseUrl } from '../test/support/test-database.ts';

/**
 * Send throughput of one edition with one, two and three `gazette serve` processes on one
 * PostgreSQL schema, against one process on SQLite, in the same run. Each instance is the real
 * CLI (delivery worker, SKIP LOCKED claims); the sink counts in a process of its own. The clock
 * runs from the sink's first message to its last, so start-up is not counted. A second series
 * gives each instance a rate limit of 250/s, as a provider's per-IP limit would.
 * Run: npx tsx bench/multi-instance.ts [recipients]   (default 6,000; needs PostgreSQL on 127.0.0.1)
 */
const RECIPIENTS = Number(process.argv[2] ?? 6000);
const cleanups: (() => Promise<void> | void)[] = [];
const scope = { after: (fn: () => Promise<void> | void) => void cleanups.push(fn) };

const sinkProcess = spawn(process.execPath, ['--import', 'tsx', new URL('./support/smtp-sink-process.ts', import.meta.url).pathname], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [portLine] = (await once(sinkProcess.stdout, 'data')) as [Buffer];
const smtpUrl = `smtp://127.0.0.1:${portLine.toString().trim()}`;

async function sinkCount(): Promise<number> {
  sinkProcess.stdin.write('\n');
  const [line] = (await once(sinkProcess.stdout, 'data')) as [Buffer];
  return Number(line.toString().trim().split('\n').pop());
}

async function measure(
  label: string,
  databaseUrl: string,
  instances: number,
  recipients = RECIPIENTS,
  perSecond: number | null = null,
): Promise<number> {
  const dir = makeTempDir(scope, 'gazette-bench-');
  const seedsDir = path.join(dir, 'seeds');
  const config = loadConfig({
    env: {},
    overrides: {
      site: { baseUrl: 'https://news.example.com' },
      paths: { dataDir: path.join(dir, 'control'), seedsDir },
      database: { url: databaseUrl },
      secret: TEST_SECRET,
      log: { level: 'silent' },
    },
  });
  for (let i = 1; i <= 10; i++)
    writeArticle(seedsDir, { slug: `bench-story-number-${i}`, date: new Date(Date.now() - (i % 6) * 3600_000).toISOString() });
  const control = await createGazette(config);
  await control.core.ingest.run();
  await insertReaders(control.core.store.db, recipients, 'weekly');
  await createDueEdition(control.core.store.db, 'weekly', new Date(Date.now() - 7 * 24 * 3600_000), new Date(), new Date());

  const base = await sinkCount();
  const names = Array.from({ length: instances }, (_, i) => `bench-${i + 1}`);
  const running = await Promise.all(
    names.map((name) =>
      startInstance(dir, name, { databaseUrl, smtpUrl, seedsDir, mail: { maxConnections: 5, rateLimit: { perSecond, perHour: null } } }),
    ),
  );
  let started = 0;
  let count = base;
  while (count < base + recipients) {
    count = await sinkCount();
    if (!started && count > base) started = performance.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  const rate = recipients / ((performance.now() - started) / 1000);
  while ((await countPendingDeliveries(control.core.store.db)) > 0) await new Promise((r) => setTimeout(r, 50));
  for (const instance of running) instance.child.kill('SIGTERM');
  await Promise.all(running.map((i) => i.exited));
  await control.close();
  console.log(`${label.padEnd(34)} ${rate.toFixed(0).padStart(6)} messages/s`);
  return rate;
}

try {
  const sqlite = await measure(
    '1 instance, SQLite (baseline)',
    `sqlite:${path.join(makeTempDir(scope, 'gazette-bench-'), 'bench.sqlite')}`,
    1,
  );
  const pg: number[] = [];
  for (const n of [1, 2, 3])
    pg.push(await measure(`${n} instance${n > 1 ? 's' : ''}, PostgreSQL`, (await makeTestDatabaseUrl(scope, 'postgres'))!, n));
  console.log(`\n${RECIPIENTS} recipients, 10-article weekly digest, 5 SMTP connections per instance, ${availableParallelism()} cores`);
  pg.forEach((rate, i) =>
    console.log(
      `${i + 1} on PostgreSQL / 1 on SQLite: ${(rate / sqlite).toFixed(2)}x    / 1 on PostgreSQL: ${(rate / pg[0]!).toFixed(2)}x`,
    ),
  );

  // Where one instance is held back by something other than this machine's CPU (here a
  // provider's rate of 250 messages/s per sending IP), instances add up: the claims never
  // make one wait for another.
  const limited: number[] = [];
  for (const n of [1, 2, 3])
    limited.push(
      await measure(
        `${n} instance${n > 1 ? 's' : ''}, PostgreSQL, 250/s each`,
        (await makeTestDatabaseUrl(scope, 'postgres'))!,
        n,
        3000,
        250,
      ),
    );
  limited.forEach((rate, i) => console.log(`${i + 1} rate-limited on PostgreSQL / 1: ${(rate / limited[0]!).toFixed(2)}x`));
} finally {
  sinkProcess.kill();
  for (const cleanup of cleanups.reverse()) await cleanup();
}
