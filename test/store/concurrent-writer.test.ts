import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { startTsChild } from '../support/child-process.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';

const PER_ROUTE = 150;
const CONCURRENCY = 8;

/** Runs the tasks `width` at a time; each task's result in order. */
async function inParallel<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

test('with a second process writing the same SQLite file, the routes that write never answer 500 and every unsubscribe is recorded', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, dataDir } = makeTestConfig(t, { mail: { smtpUrl: sink.url }, subscriptions: { maxSubscribesPerIpPerHour: 100_000 } });
  const gazette = await createGazette(config, { clock: new ManualClock('2026-01-10T12:00:00Z') });
  t.after(() => gazette.close());
  await gazette.start();
  const base = gazette.address();
  const db = gazette.core.store.db;

  // Subscribers to unsubscribe and to change, and pending ones with open confirmations to confirm.
  const leaving = await Promise.all(Array.from({ length: PER_ROUTE }, () => insertSubscriber(db)));
  const staying = await Promise.all(Array.from({ length: PER_ROUTE }, () => insertSubscriber(db)));
  for (let i = 0; i < PER_ROUTE; i++) {
    const res = await fetch(`${base}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `joining${i}@example.org`, frequency: 'daily', consent: true }),
    });
    assert.equal(res.status, 202);
  }
  const confirmations = await db.selectFrom('subscription_confirmations').select(['id', 'subscriber_id']).execute();
  assert.equal(confirmations.length, PER_ROUTE);

  const writer = startTsChild('sqlite-writer-child.ts', [dataDir]);
  t.after(() => writer.stop());
  await writer.waitForLine(/^ready$/);

  const post = (path: string, body: object) => async () => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return { path, status: res.status };
  };
  const tasks = [
    ...leaving.map((s) => post(`/unsubscribe/${gazette.core.signer.sign('manage', s.id)}`, {})),
    ...staying.map((s) => post(`/preferences/${gazette.core.signer.sign('manage', s.id)}`, { action: 'update', frequency: 'instant' })),
    ...confirmations.map((c) => post(`/confirm/${gazette.core.signer.sign('confirm', c.id)}`, {})),
    ...Array.from({ length: PER_ROUTE }, (_, i) =>
      post('/subscribe', { email: `later${i}@example.org`, frequency: 'weekly', consent: true }),
    ),
  ];
  // Interleave the four kinds so that every route meets the writer.
  const order = tasks.map((_, i) => (i % 4) * PER_ROUTE + Math.floor(i / 4));
  const answers = await inParallel(
    order.map((i) => tasks[i]!),
    CONCURRENCY,
  );
  const writerReport = JSON.parse((await writer.stop()).trim().split('\n').at(-1)!) as { committed: number };

  const failures = answers.filter((a) => a.status >= 500);
  assert.deepEqual(
    failures.map((f) => `${f.status} ${f.path.split('/')[1]}`),
    [],
    `${failures.length} of ${answers.length} answers were 5xx`,
  );
  assert.ok(writerReport.committed > 0, 'the second process wrote while the routes ran');

  const rows = await db.selectFrom('subscribers').select(['id', 'email', 'status', 'frequency']).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.deepEqual(
    leaving.filter((s) => byId.get(s.id)?.status !== 'unsubscribed'),
    [],
    'every one-click unsubscribe is recorded',
  );
  assert.deepEqual(
    staying.filter((s) => byId.get(s.id)?.frequency !== 'instant'),
    [],
    'every preference change is recorded',
  );
  assert.deepEqual(
    confirmations.filter((c) => byId.get(c.subscriber_id)?.status !== 'confirmed'),
    [],
    'every confirmation is recorded',
  );
  assert.equal(rows.filter((r) => r.email.startsWith('later')).length, PER_ROUTE, 'every subscription is recorded');
});
