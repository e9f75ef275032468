import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createGazette } from '../../src/main.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { startThrowawayPostgres } from '../support/throwaway-postgres.ts';
import { waitUntil } from '../support/wait.ts';

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  source?: string;
  err?: unknown;
}

const INFO = 30;

// The operator's view of an outage: the delivery worker (a pass every 2 s), the feeds job (every
// second here) and the other jobs (every 2 s here) all fail while PostgreSQL is down. The log
// must say so once, with the code and the reason, and once more when it is over; a stack trace
// per pass would bury that line.
test('PostgreSQL down under a running service: one log line when the outage starts and one when it ends, no stack trace per pass', async (t) => {
  const postgres = await startThrowawayPostgres(t);
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const logged = new PassThrough();
  const lines: LogLine[] = [];
  logged.on('data', (c: Buffer) =>
    lines.push(
      ...c
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine),
    ),
  );
  const every2s = '*/2 * * * * *';
  const { config } = makeTestConfig(t, {
    database: { url: postgres.url },
    mail: { smtpUrl: sink.url },
    scheduler: { enabled: true, scan: every2s, embargo: every2s, instant: every2s, feeds: '* * * * * *' },
  });
  const gazette = await createGazette(config, { log: createLogger({ level: 'debug', destination: logged }) });
  t.after(() => gazette.close());
  await gazette.start();

  const outageFrom = lines.length;
  await postgres.stop();
  // Several failed passes of each: what used to be a stack trace (or an error line) each.
  const stillFailing = (source: string) =>
    lines.slice(outageFrom).filter((l) => l.source === source && l.msg.startsWith('still failing')).length;
  await waitUntil(
    () => stillFailing('delivery worker') >= 3 && stillFailing('job feeds') >= 3 && stillFailing('job scan') >= 2,
    'repeated failed passes while PostgreSQL is down',
    { ceilingMs: 60_000 },
  );

  const during = lines.slice(outageFrom).filter((l) => l.level >= INFO);
  assert.equal(during.length, 1, `one line for the outage, got:\n${during.map((l) => l.msg).join('\n')}`);
  assert.equal(during[0]!.code, 'DatabaseUnavailable');
  assert.match(during[0]!.msg, /database is unreachable right now \(.+\)/, "the driver's reason is in the line");
  assert.equal(during[0]!.err, undefined, 'no error object, so no stack trace');
  assert.equal(lines.slice(outageFrom).filter((l) => l.err !== undefined).length, 0, 'no stack trace at any level');

  const restartFrom = lines.length;
  await postgres.start();
  await waitUntil(
    () => lines.slice(restartFrom).some((l) => l.level >= INFO && /works again/.test(l.msg)),
    'the line saying the outage is over',
  );
  // Every background pass works again, and none says anything more about the outage.
  const scansAfter = () =>
    lines.slice(restartFrom).filter((l) => l.msg === 'job finished' && (l as { job?: string }).job === 'scan').length;
  const feedsOk = () => gazette.scheduler.instanceRecords().some((r) => r.name === 'feeds' && r.lastStatus === 'ok');
  await waitUntil(() => scansAfter() >= 2 && feedsOk(), 'the jobs running again');
  const after = lines.slice(restartFrom).filter((l) => l.level >= INFO);
  assert.deepEqual(
    after.map((l) => l.code),
    ['DatabaseUnavailable'],
    `one line for the end, got:\n${after.map((l) => l.msg).join('\n')}`,
  );
  assert.equal(lines.slice(restartFrom).filter((l) => l.err !== undefined).length, 0);
});
