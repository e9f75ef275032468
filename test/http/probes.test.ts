import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import pg from 'pg';
import { createReadiness } from '../../src/core/readiness.ts';
import { createGazette, type Gazette } from '../../src/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { writeArticle } from '../support/build-article.ts';
import { serveInChild } from '../support/run-gazette.ts';
import { makeTestConfig, writeTestConfigFile } from '../support/test-config.ts';
import { makeTestDatabaseUrl, POSTGRES_BASE_URL } from '../support/test-database.ts';
import { waitUntil } from '../support/wait.ts';

interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
  failing: { check: string; reason: string }[];
}

async function probe(base: string, path: string): Promise<{ status: number; body: Readiness & { ok?: boolean } }> {
  const response = await fetch(`${base}${path}`);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  return { status: response.status, body: (await response.json()) as Readiness & { ok?: boolean } };
}

const addressOf = (gazette: Gazette): string | undefined => {
  try {
    return gazette.address();
  } catch {
    return undefined;
  }
};

test('/livez answers and /readyz is 503 (firstIngest) while the first ingest runs; both 200 once it is done', async (t) => {
  const url = await makeTestDatabaseUrl(t, 'postgres');
  const { config, seedsDir } = makeTestConfig(t, { database: { url } });
  writeArticle(seedsDir, { slug: 'the-first-story', date: '2026-01-09T09:00Z' });
  const gazette = await createGazette(config);
  t.after(() => gazette.close());

  // Another session holds the article tables: the first ingest waits on them, the probes do not.
  const schema = new URL(url!).searchParams.get('schema')!;
  const blocker = new pg.Client({ connectionString: POSTGRES_BASE_URL });
  await blocker.connect();
  t.after(() => blocker.end());
  await blocker.query(`set search_path to ${schema}`);
  await blocker.query('begin');
  await blocker.query('lock table seed_files, articles in access exclusive mode');

  const started = gazette.start();
  const base = await waitUntil(() => addressOf(gazette), 'the server to listen');
  const live = await probe(base, '/livez');
  assert.deepEqual(live, { status: 200, body: { ok: true } });
  const notYet = await probe(base, '/readyz');
  assert.equal(notYet.status, 503);
  assert.equal(notYet.body.ready, false);
  assert.deepEqual(notYet.body.checks, { migrations: true, database: true, firstIngest: false, notShuttingDown: true });
  assert.deepEqual(
    notYet.body.failing.map((f) => f.check),
    ['firstIngest'],
  );

  await blocker.query('rollback');
  await started;
  const ready = await probe(base, '/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, {
    ready: true,
    checks: { migrations: true, database: true, firstIngest: true, notShuttingDown: true },
    failing: [],
  });
  assert.equal((await fetch(`${base}/healthz`)).status, 200, '/healthz stays');
});

test('/readyz names pending migrations and an unreachable database', async (t) => {
  const { config } = makeTestConfig(t);
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  await gazette.start();
  const base = gazette.address();
  assert.equal((await probe(base, '/readyz')).status, 200);

  // A migration this build knows but the store has not run (as after `serve` without migrating).
  const second = await openStore({ url: null, dataDir: config.paths.dataDir });
  await second.db
    .deleteFrom('kysely_migration' as never)
    .where('name' as never, '=', '059_webhook_replay' as never)
    .execute();
  // The running instance saw the schema current once and keeps to it; a new process reads it again.
  assert.equal((await probe(base, '/readyz')).status, 200);
  const pending = await createReadiness(second.db).check();
  assert.equal(pending.ready, false);
  assert.deepEqual(
    pending.failing.map((f) => f.check),
    ['migrations', 'firstIngest'],
  );
  assert.match(pending.failing[0]!.reason, /059_webhook_replay/);

  await second.close();
  const down = await createReadiness(second.db).check();
  assert.equal(down.ready, false);
  assert.equal(down.checks.database, false);
  assert.match(down.failing[0]!.reason, /database/);
});

test('close(): /readyz turns 503 (notShuttingDown) at once while /livez still answers, then the server drains and stops', async (t) => {
  const { config } = makeTestConfig(t, { server: { drainDelayMs: 3000 } });
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  await gazette.start();
  const base = gazette.address();
  assert.equal((await probe(base, '/readyz')).status, 200);

  const closed = gazette.close();
  const stopping = await probe(base, '/readyz');
  assert.equal(stopping.status, 503);
  assert.deepEqual(
    stopping.body.failing.map((f) => f.check),
    ['notShuttingDown'],
  );
  assert.equal((await probe(base, '/livez')).status, 200);
  await closed;
  await assert.rejects(fetch(`${base}/livez`), 'the listener is closed after the drain');
});

const exitOf = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

test('SIGTERM to gazette serve: /readyz answers 503 first, then the process drains and exits 0', async (t) => {
  const { configFile, config } = writeTestConfigFile(t, {
    server: { port: 0, shutdownTimeoutMs: 20_000, drainDelayMs: 5000 },
    log: { level: 'info' },
  });
  writeArticle(config.paths.seedsDir, { slug: 'served', date: '2026-01-09T09:00Z' });
  const served = serveInChild(configFile);
  t.after(() => served.child.kill('SIGKILL'));
  const exited = exitOf(served.child);
  const base = await waitUntil(() => /listening on (http:\/\/[^)\s"]+)/.exec(served.output())?.[1], 'gazette serve to listen');
  await waitUntil(async () => (await probe(base, '/readyz')).status === 200, 'ready');

  served.child.kill('SIGTERM');
  const stopping = await waitUntil(async () => {
    const answer = await probe(base, '/readyz');
    return answer.status === 503 && answer;
  }, '/readyz to answer 503 after SIGTERM');
  assert.deepEqual(
    stopping.body.failing.map((f) => f.check),
    ['notShuttingDown'],
  );
  assert.equal((await probe(base, '/livez')).status, 200, 'still answering while it drains');
  assert.deepEqual(await exited, { code: 0, signal: null }, served.output());
});
