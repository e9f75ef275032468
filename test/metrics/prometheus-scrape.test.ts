import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import request from 'supertest';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startPrometheus } from '../support/prometheus.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const RECIPIENTS = 25;

/** promtool reads the exposition on stdin; it prints nothing and exits 0 when it finds no problem. */
function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('/usr/bin/promtool', ['check', 'metrics'], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
    child.stdin!.end(text);
  });
}

test('Prometheus scrapes a running Gazette and sees a known send of 25 messages in its series; promtool finds no problem', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, {
    admin: { token: ADMIN_TOKEN },
    mail: { smtpUrl: sink.url },
    metrics: { listen: '127.0.0.1:0', token: METRICS_TOKEN, refreshSeconds: 1 },
  });
  writeArticle(seedsDir, { slug: 'measured', date: '7 September 2025' });
  const gazette = await createGazette(config, { clock: new ManualClock('2025-09-08T07:00:00Z') });
  t.after(() => gazette.close());
  await gazette.start();
  const metricsUrl = `${gazette.server.metricsAddress()!}/metrics`;
  const app = gazette.server.app;

  // Only on its own listener, and only with the token.
  assert.equal((await fetch(metricsUrl)).status, 401);
  assert.equal((await request(app).get('/metrics')).status, 404, 'the public listener has no /metrics');

  const { db } = gazette.core.store;
  for (let i = 0; i < RECIPIENTS; i++) await insertSubscriber(db, { frequency: 'daily' });
  await insertSubscriber(db, { frequency: 'weekly' });
  await insertSubscriber(db, { frequency: 'weekly' });
  await insertSubscriber(db, { frequency: 'daily', status: 'pending' });

  await request(app).get('/feed.xml').expect(200);
  await request(app).get('/no/such/page-4711').expect(404);
  await request(app).post('/api/editions').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ frequency: 'daily' }).expect(201);
  await sink.waitFor(RECIPIENTS);
  assert.equal(await gazette.scheduler.runNow('feeds'), 'ran');

  const prometheus = await startPrometheus(t, { url: metricsUrl, bearerToken: METRICS_TOKEN });
  const expected: [string, (v: number) => boolean][] = [
    ['up{job="gazette"}', (v) => v === 1],
    ['sum(gazette_deliveries_total{outcome="sent",reply_class="2xx"})', (v) => v === RECIPIENTS],
    ['sum(gazette_deliveries_total)', (v) => v === RECIPIENTS],
    ['gazette_smtp_round_trip_seconds_count', (v) => v === RECIPIENTS],
    ['gazette_delivery_send_duration_seconds_count', (v) => v === RECIPIENTS],
    ['gazette_outbox_deliveries{state="sent"}', (v) => v === RECIPIENTS],
    ['gazette_outbox_deliveries{state="queued"}', (v) => v === 0],
    ['gazette_outbox_oldest_pending_age_seconds', (v) => v === 0],
    ['gazette_editions_made_total{frequency="daily"}', (v) => v === 1],
    ['gazette_subscribers{status="confirmed",frequency="daily"}', (v) => v === RECIPIENTS],
    ['gazette_subscribers{status="confirmed",frequency="weekly"}', (v) => v === 2],
    ['gazette_subscribers{status="pending",frequency="daily"}', (v) => v === 1],
    ['gazette_subscribers{status="bounced",frequency="instant"}', (v) => v === 0],
    ['gazette_http_requests_total{method="POST",route="/api/editions",status="201"}', (v) => v === 1],
    ['gazette_http_requests_total{method="GET",route="/feed.xml",status="200"}', (v) => v === 1],
    // /no/such/page-4711 and the public listener's /metrics.
    ['gazette_http_requests_total{method="GET",route="unmatched",status="404"}', (v) => v === 2],
    ['gazette_http_request_duration_seconds_count{method="POST",route="/api/editions",status="201"}', (v) => v === 1],
    ['gazette_feed_renders_total{format="rss"}', (v) => v >= 1],
    ['gazette_feed_document_bytes{format="rss"}', (v) => v > 500],
    ['gazette_ingest_duration_seconds_count', (v) => v === 1],
    ['gazette_ingest_last_problems', (v) => v === 0],
    ['gazette_job_last_success_timestamp_seconds{job_name="feeds"}', (v) => v === Date.parse('2025-09-08T07:00:00Z') / 1000],
    ['process_resident_memory_bytes', (v) => v > 0],
    ['nodejs_heap_size_used_bytes', (v) => v > 0],
  ];
  for (const [expr, holds] of expected) {
    let last: number | undefined;
    await waitUntil(async () => {
      last = await prometheus.query(expr);
      return last !== undefined && holds(last);
    }, `${expr} in Prometheus`).catch((error: Error) =>
      assert.fail(`${error.message}; last value ${last}; prometheus said: ${prometheus.log()}`),
    );
  }
  // Route templates only: the raw path of the 404 is no label.
  assert.equal(await prometheus.query('count(gazette_http_requests_total{route=~".*4711.*"})'), undefined);

  const exposition = await fetch(metricsUrl, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(exposition.status, 200);
  assert.match(exposition.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const checked = await promtoolCheck(await exposition.text());
  assert.deepEqual(checked, { code: 0, output: '' }, `promtool check metrics: ${checked.output}`);
});
