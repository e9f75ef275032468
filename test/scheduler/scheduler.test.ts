import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createScheduler, type JobDefinition } from '../../src/scheduler/scheduler.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { openStore } from '../../src/store/open-store.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

const log = createLogger({ level: 'silent' });

async function store(t: TestContext, kind: StoreKind) {
  const s = await openStore({ url: await makeTestDatabaseUrl(t, kind), dataDir: makeTempDir(t) });
  t.after(() => s.close());
  return s;
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

for (const kind of storeKinds)
  describe(`scheduler on ${kind}`, () => {
    it('never runs a job twice at once on one instance', async (t) => {
      const { db } = await store(t, kind);
      const g = gate();
      let runs = 0;
      const job: JobDefinition = {
        name: 'slow',
        cron: '* * * * *',
        run: async () => {
          runs++;
          await g.wait;
          return { done: true };
        },
      };
      const scheduler = createScheduler({ db, clock: new ManualClock('2026-11-26T12:00:00Z'), log, timeZone: 'UTC', jobs: [job] });
      const first = scheduler.runNow('slow');
      assert.equal(await scheduler.runNow('slow'), 'skipped-running');
      g.open();
      assert.equal(await first, 'ran');
      assert.equal(runs, 1);
      assert.equal(await scheduler.runNow('slow'), 'ran');
      assert.equal(runs, 2);
    });

    it('lets only one of two instances on one database run a job, and another takes over when a lease expires', async (t) => {
      const { db } = await store(t, kind);
      const clock = new ManualClock('2026-11-26T12:00:00Z');
      const g = gate();
      const aRunning = gate();
      const ran: string[] = [];
      const jobFor = (who: string): JobDefinition => ({
        name: 'digest',
        cron: '0 7 * * *',
        run: async () => {
          ran.push(who);
          if (who === 'a') {
            aRunning.open();
            await g.wait;
          }
        },
      });
      const a = createScheduler({ db, clock, log, timeZone: 'UTC', jobs: [jobFor('a')], instanceId: 'a', leaseMs: 30_000 });
      const b = createScheduler({ db, clock, log, timeZone: 'UTC', jobs: [jobFor('b')], instanceId: 'b', leaseMs: 30_000 });
      const runA = a.runNow('digest');
      // a's job body runs only once a holds the lease: from here on b must find it taken.
      await aRunning.wait;
      assert.equal(await b.runNow('digest'), 'skipped-leased');
      // Instance a hangs (as if dead): once its lease expires, b takes over.
      clock.advance(31_000);
      assert.equal(await b.runNow('digest'), 'ran');
      assert.deepEqual(ran, ['a', 'b']);
      g.open();
      await runA;
    });

    it('records each run: result, failure message and next run, readable from the store', async (t) => {
      const { db } = await store(t, kind);
      const clock = new ManualClock('2026-11-26T12:00:00Z');
      const jobs: JobDefinition[] = [
        { name: 'good', cron: '0 7 * * *', run: async () => ({ sent: 3 }) },
        {
          name: 'bad',
          cron: '*/5 * * * *',
          run: async () => {
            throw new Error('smtp down');
          },
        },
      ];
      const scheduler = createScheduler({ db, clock, log, timeZone: 'Europe/London', jobs });
      assert.equal(await scheduler.runNow('good'), 'ran');
      assert.equal(await scheduler.runNow('bad'), 'failed');
      const status = await scheduler.status();
      const good = status.find((s) => s.name === 'good')!;
      const bad = status.find((s) => s.name === 'bad')!;
      assert.deepEqual(good.lastSummary, { sent: 3 });
      assert.equal(good.lastStatus, 'ok');
      assert.equal(good.nextRunAt, '2026-11-27T07:00:00.000Z');
      assert.equal(bad.lastStatus, 'failed');
      assert.equal(bad.lastError, 'smtp down');
      assert.equal(bad.nextRunAt, '2026-11-26T12:05:00.000Z');
    });

    it('stop() aborts the signal and waits for a running job to finish', async (t) => {
      const { db } = await store(t, kind);
      const listening = gate();
      const aborted = gate();
      const mayFinish = gate();
      let finished = false;
      const job: JobDefinition = {
        name: 'long',
        cron: '* * * * *',
        run: async ({ signal }) => {
          const abortSeen = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          listening.open();
          await abortSeen;
          aborted.open();
          // Still working after the abort: stop() must wait for this, not return at once.
          await mayFinish.wait;
          finished = true;
        },
      };
      const scheduler = createScheduler({ db, clock: new ManualClock('2026-11-26T12:00:00Z'), log, timeZone: 'UTC', jobs: [job] });
      const run = scheduler.runNow('long');
      // The job is running and listening before stop() is called (it used to be a 10 ms sleep).
      await listening.wait;
      let stopped = false;
      const stopping = scheduler.stop(5_000).then(() => (stopped = true));
      await aborted.wait;
      assert.equal(stopped, false, 'stop() waits for the running job');
      mayFinish.open();
      await stopping;
      assert.ok(finished);
      assert.equal(await run, 'ran');
      assert.equal(await scheduler.runNow('long'), 'stopped');
    });
  });
