import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { test } from 'node:test';
import { writeArticle } from '../support/build-article.ts';
import { startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { startThrowawayPostgres } from '../support/throwaway-postgres.ts';

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  return { status: res.status, text: await res.text() };
}

async function subscribe(base: string, email: string): Promise<{ status: number; code?: string; retryAfter: string | null }> {
  const res = await fetch(`${base}/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email, frequency: 'daily', consent: true }),
  });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code, retryAfter: res.headers.get('retry-after') };
}

// A PostgreSQL server of this test's own (the shared one on 5432 serves other tests), stopped
// and started again under a running Gazette.
test('PostgreSQL stopped under a running service: feeds still served, /healthz says the database is down, writes 503; ingest and sending resume when it is back', async (t) => {
  const postgres = await startThrowawayPostgres(t);
  const { gazette, sink, seedsDir } = await startSubscriptionsWorld(t, { database: { url: postgres.url } });
  writeArticle(seedsDir, { slug: 'before-the-outage', date: '2026-01-09T09:00Z' });
  await gazette.start();
  const base = gazette.address();
  assert.equal((await get(`${base}/healthz`)).status, 200);

  await postgres.stop();

  const feed = await get(`${base}/feed.xml`);
  assert.equal(feed.status, 200, 'feeds are served from memory');
  assert.match(feed.text, /before-the-outage/);
  const health = await get(`${base}/healthz`);
  assert.equal(health.status, 503);
  assert.equal((JSON.parse(health.text) as { database: { ok: boolean } }).database.ok, false);
  assert.deepEqual(await subscribe(base, 'during@example.org'), { status: 503, code: 'DatabaseUnavailable', retryAfter: '5' });
  const written = writeArticle(seedsDir, { slug: 'after-the-outage', date: '2026-01-10T09:00Z' });
  // Old enough on the test's clock for a scan to take it (a scan skips files still being written).
  const anHourBefore = new Date(gazette.core.clock.now().getTime() - 3_600_000);
  utimesSync(written, anHourBefore, anHourBefore);
  await assert.rejects(gazette.scheduler.runNow('scan'), { code: 'DatabaseUnavailable' });
  assert.doesNotMatch((await get(`${base}/feed.xml`)).text, /after-the-outage/);

  await postgres.start();

  // The scheduled scan, as the next tick runs it, publishes what came in during the outage.
  assert.equal(await gazette.scheduler.runNow('scan'), 'ran');
  assert.match((await get(`${base}/feed.xml`)).text, /after-the-outage/);
  assert.equal((await get(`${base}/healthz`)).status, 200);
  // The delivery worker kept running through the outage: the confirmation mail goes out.
  assert.deepEqual(await subscribe(base, 'after@example.org'), { status: 202, code: undefined, retryAfter: null });
  const [mail] = await sink.waitFor(1, 60_000);
  assert.deepEqual(mail!.envelopeTo, ['after@example.org']);
});
