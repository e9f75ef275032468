import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { utimesSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import supertest from 'supertest';
import { projectRoot } from '../../src/config/load-config.ts';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { startDovecot } from '../support/dovecot.ts';
import { writeTestConfigFile } from '../support/test-config.ts';

const run = promisify(execFile);

test('/healthz and gazette status show each job: last run, result, next run, and the delivery queue', async (t) => {
  const { configFile, config } = writeTestConfigFile(t, { site: { timezone: 'Europe/London' } });
  // Written a while ago: the scan leaves files younger than ingest.quietPeriodSeconds (30 s) for a later tick.
  const old = new Date(Date.now() - 60_000);
  utimesSync(writeArticle(config.paths.seedsDir, { slug: 'status-news' }), old, old);
  const clock = new ManualClock('2026-11-26T12:00:30Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  assert.equal(await gazette.scheduler.runNow('scan'), 'ran');
  assert.equal(await gazette.scheduler.runNow('feeds'), 'ran');

  const health = (await supertest(gazette.server.app).get('/healthz').expect(200)).body as {
    scheduler: {
      enabled: boolean;
      jobs: {
        name: string;
        cron: string;
        everyInstance: boolean;
        lastStatus: string | null;
        lastSummary: { added?: number } | null;
        nextRunAt: string | null;
      }[];
    };
    deliveryQueue: { pending: number };
  };
  const scan = health.scheduler.jobs.find((j) => j.name === 'scan')!;
  assert.equal(scan.lastStatus, 'ok');
  assert.equal(scan.lastSummary?.added, 1);
  assert.equal(scan.nextRunAt, '2026-11-26T12:01:00.000Z');
  assert.equal(health.scheduler.jobs.find((j) => j.name === 'weekly')!.nextRunAt, '2026-11-30T07:00:00.000Z');
  assert.equal(health.deliveryQueue.pending, 0);
  // The feeds job runs on every instance, without a shared record: the serving process reports its own run.
  assert.deepEqual(
    health.scheduler.jobs.map((j) => j.name),
    ['scan', 'embargo', 'instant', 'daily', 'weekly', 'feeds', 'purge'],
  );
  const feeds = health.scheduler.jobs.find((j) => j.name === 'feeds')!;
  assert.deepEqual(
    { cron: feeds.cron, everyInstance: feeds.everyInstance, lastStatus: feeds.lastStatus, nextRunAt: feeds.nextRunAt },
    { cron: config.scheduler.feeds, everyInstance: true, lastStatus: 'ok', nextRunAt: '2026-11-26T12:00:35.000Z' },
  );

  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), 'status', '--config', configFile, '--json'],
    { cwd: projectRoot },
  );
  const status = JSON.parse(stdout) as typeof health & { ingest: { scanned: number; problems: number } };
  assert.equal(status.scheduler.jobs.find((j) => j.name === 'scan')!.lastStatus, 'ok');
  assert.deepEqual(
    status.scheduler.jobs.map((j) => j.name),
    ['scan', 'embargo', 'instant', 'daily', 'weekly', 'feeds', 'purge'],
  );
  assert.equal(status.scheduler.jobs.find((j) => j.name === 'feeds')!.everyInstance, true);
  assert.equal(status.ingest.scanned, 1);
  const text = (
    await run(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), 'status', '--config', configFile], {
      cwd: projectRoot,
    })
  ).stdout;
  assert.match(text, /scan\s+\* \* \* \* \*\s+last: ok at 2026-11-26T12:00:30\.000Z/);
  assert.match(text, /Delivery queue: 0 message\(s\) waiting/);
  assert.match(text, /feeds\s+\*\/5 \* \* \* \* \*\s+last: on every instance, see its \/healthz; next: /);
});

test('with a bounce mailbox configured, /healthz and gazette status list the bounces job: its poll period, last run and counts', async (t) => {
  const dovecot = await startDovecot(t);
  const { configFile, config } = writeTestConfigFile(t, {
    site: { timezone: 'Europe/London' },
    bounces: { imap: { url: `imap://${dovecot.user}:${dovecot.password}@${dovecot.host}:${dovecot.port}`, pollSeconds: 15 } },
  });
  const clock = new ManualClock('2026-11-26T12:00:30Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  assert.equal(await gazette.scheduler.runNow('bounces'), 'ran');

  const health = (await supertest(gazette.server.app).get('/healthz').expect(200)).body as {
    scheduler: { jobs: { name: string; cron: string; lastStatus: string | null; lastSummary: unknown; nextRunAt: string | null }[] };
  };
  const expectedJobs = ['scan', 'embargo', 'instant', 'daily', 'weekly', 'bounces', 'feeds', 'purge'];
  assert.deepEqual(
    health.scheduler.jobs.map((j) => j.name),
    expectedJobs,
  );
  const bounces = health.scheduler.jobs.find((j) => j.name === 'bounces')!;
  assert.deepEqual(
    { cron: bounces.cron, lastStatus: bounces.lastStatus, nextRunAt: bounces.nextRunAt },
    { cron: '*/15 * * * * *', lastStatus: 'ok', nextRunAt: '2026-11-26T12:00:45.000Z' },
  );
  assert.ok(bounces.lastSummary && typeof bounces.lastSummary === 'object', 'the mailbox counts of the last run');

  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), 'status', '--config', configFile, '--json'],
    { cwd: projectRoot },
  );
  const status = JSON.parse(stdout) as typeof health;
  assert.deepEqual(
    status.scheduler.jobs.map((j) => j.name),
    expectedJobs,
  );
  assert.equal(status.scheduler.jobs.find((j) => j.name === 'bounces')!.lastStatus, 'ok');
});
