import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import cron from 'node-cron';
import { ColumnNode, ColumnUpdateNode, InsertQueryNode, UpdateQueryNode, type KyselyPlugin, type RootOperationNode } from 'kysely';
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

/**
 * A plugin that holds back the answer to the first query `matches` picks: the database has run
 * it, the scheduler has not heard back. `reached` resolves at that moment; `release` lets it go.
 */
function holdFirstAnswer(matches: (node: RootOperationNode) => boolean) {
  const reached = gate();
  const released = gate();
  let heldId: string | undefined;
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }) {
      if (heldId === undefined && matches(node)) heldId = queryId.queryId;
      return node;
    },
    async transformResult({ result, queryId }) {
      if (queryId.queryId === heldId) {
        reached.open();
        await released.wait;
      }
      return result;
    },
  };
  return { plugin, reached: reached.wait, release: released.open };
}

const columnName = (node: ColumnUpdateNode): string | undefined => (ColumnNode.is(node.column) ? node.column.column.name : undefined);
/** The UPDATE that takes a job's lease (it is the one that stamps the start). */
const isLeaseTaking = (node: RootOperationNode): boolean =>
  UpdateQueryNode.is(node) && (node.updates ?? []).some((u) => columnName(u) === 'last_started_at');
/** The INSERT that makes a job's row ready before its first lease. */
const isJobRowInsert = (node: RootOperationNode): boolean =>
  InsertQueryNode.is(node) && node.into?.table.identifier.name === 'scheduler_jobs';

/** A job that records each time its body runs. */
function recordingJob(ran: string[], name = 'digest'): JobDefinition {
  return { name, cron: '0 0 1 1 *', run: async () => void ran.push(name) };
}

for (const kind of storeKinds)
  describe(`no job starts after stop() on ${kind}`, () => {
    it('stop() while the lease is being taken: the job never runs and the lease is given back at once', async (t) => {
      const { db } = await store(t, kind);
      const clock = new ManualClock('2026-11-26T12:00:00Z');
      const hold = holdFirstAnswer(isLeaseTaking);
      const ran: string[] = [];
      const scheduler = createScheduler({
        db: db.withPlugin(hold.plugin),
        clock,
        log,
        timeZone: 'UTC',
        jobs: [recordingJob(ran)],
        instanceId: 'a',
      });

      const run = scheduler.runNow('digest');
      // The lease is taken in the store; the scheduler is still waiting for the answer.
      await hold.reached;
      const stopping = scheduler.stop(5_000);
      hold.release();
      assert.equal(await run, 'stopped');
      await stopping;
      assert.deepEqual(ran, [], 'the job body never ran');

      const row = await db
        .selectFrom('scheduler_jobs')
        .select(['lease_holder', 'lease_expires_at', 'last_finished_at'])
        .where('name', '=', 'digest')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { lease_holder: null, lease_expires_at: null, last_finished_at: null }, 'no lease held, no run recorded');
      // Another instance need not wait for the lease to expire (the clock has not moved).
      const other = createScheduler({ db, clock, log, timeZone: 'UTC', jobs: [recordingJob(ran)], instanceId: 'b' });
      assert.equal(await other.runNow('digest'), 'ran');
      assert.deepEqual(ran, ['digest']);
    });

    it('stop() while the job rows are being made ready: nothing is leased and the job never runs', async (t) => {
      const { db } = await store(t, kind);
      const hold = holdFirstAnswer(isJobRowInsert);
      const ran: string[] = [];
      const clock = new ManualClock('2026-11-26T12:00:00Z');
      const scheduler = createScheduler({ db: db.withPlugin(hold.plugin), clock, log, timeZone: 'UTC', jobs: [recordingJob(ran)] });

      const run = scheduler.runNow('digest');
      await hold.reached;
      const stopping = scheduler.stop(5_000);
      hold.release();
      assert.equal(await run, 'stopped');
      await stopping;
      assert.deepEqual(ran, []);
      const row = await db
        .selectFrom('scheduler_jobs')
        .select(['lease_holder', 'last_started_at'])
        .where('name', '=', 'digest')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { lease_holder: null, last_started_at: null }, 'the lease was never taken');
    });

    it('a tick that fires while stop() is ending the ticking starts nothing; runNow and runInBackground then answer stopped', async (t) => {
      const { db } = await store(t, kind);
      const ran: string[] = [];
      // A job of every instance (like feeds) starts with no wait on the store: only stop() itself can keep it from starting.
      const feeds: JobDefinition = { ...recordingJob(ran, 'feeds'), everyInstance: true };
      const jobs = [feeds, recordingJob(ran, 'daily'), recordingJob(ran, 'weekly')];
      const scheduler = createScheduler({ db, clock: new ManualClock('2026-11-26T12:00:00Z'), log, timeZone: 'UTC', jobs });
      scheduler.start();

      const stopping = scheduler.stop(5_000);
      // What node-cron's ticks call, in the same turn as stop(): its tasks are still being destroyed.
      const ticks = [scheduler.runInBackground('feeds'), scheduler.runInBackground('daily')];
      assert.deepEqual(await Promise.all(ticks), ['stopped', 'stopped']);
      await stopping;
      assert.equal(await scheduler.runNow('weekly'), 'stopped');
      assert.equal(await scheduler.runInBackground('weekly'), 'stopped');
      assert.deepEqual(ran, []);
    });

    it('start() after stop() schedules nothing (no ticking task is left behind to keep the process alive)', async (t) => {
      const { db } = await store(t, kind);
      const name = `after-stop-${kind}`;
      const scheduler = createScheduler({
        db,
        clock: new ManualClock('2026-11-26T12:00:00Z'),
        log,
        timeZone: 'UTC',
        jobs: [recordingJob([], name)],
      });
      const tasksOfThisJob = () => [...cron.getTasks().values()].filter((task) => task.name === `gazette-${name}`);
      scheduler.start();
      assert.equal(tasksOfThisJob().length, 1);
      await scheduler.stop(5_000);
      assert.equal(tasksOfThisJob().length, 0);
      scheduler.start();
      t.after(() => Promise.all(tasksOfThisJob().map(async (task) => task.destroy())));
      assert.equal(tasksOfThisJob().length, 0);
    });
  });
