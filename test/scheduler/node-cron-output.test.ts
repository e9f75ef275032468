import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createScheduler } from '../../src/scheduler/scheduler.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { openStore } from '../../src/store/open-store.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTestDatabaseUrl } from '../support/test-database.ts';
import { waitUntil } from '../support/wait.ts';

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

test("node-cron's missed tick is one JSON warn line of our logger, and node-cron writes nothing to the console", async (t) => {
  const printed: string[] = [];
  // Restored by the test runner when the test ends.
  for (const method of CONSOLE_METHODS)
    t.mock.method(console, method, (...args: unknown[]) => void printed.push(args.map(String).join(' ')));
  const logged = new PassThrough();
  const lines: { level: number; msg: string; job?: string; missedAt?: string }[] = [];
  logged.on('data', (c: Buffer) =>
    lines.push(
      ...c
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as (typeof lines)[number]),
    ),
  );

  const store = await openStore({ url: await makeTestDatabaseUrl(t, 'sqlite'), dataDir: makeTempDir(t) });
  t.after(() => store.close());
  let runs = 0;
  const scheduler = createScheduler({
    db: store.db,
    clock: systemClock,
    log: createLogger({ level: 'debug', destination: logged }),
    timeZone: 'Europe/London',
    jobs: [{ name: 'tick', cron: '* * * * * *', everyInstance: true, run: async () => void runs++ }],
  });
  t.after(() => scheduler.stop(5000));
  scheduler.start();
  await waitUntil(() => runs > 0, 'the first tick');

  // A blocked event loop (what node-cron's warning is about): the ticks of these seconds are missed.
  const blockedUntil = Date.now() + 3500;
  while (Date.now() < blockedUntil);

  const missed = await waitUntil(() => lines.find((l) => l.msg.includes('missed a tick')), 'the missed-tick log line');
  assert.equal(missed.level, 40, 'a warning');
  assert.equal(missed.job, 'tick');
  assert.match(missed.missedAt ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(
    printed.filter((p) => p.includes('NODE-CRON') || p.includes('missed execution')),
    [],
  );
});
