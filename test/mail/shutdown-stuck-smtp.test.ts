import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { writeArticle } from '../support/build-article.ts';
import { serveInChild } from '../support/run-gazette.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSilentSmtp } from '../support/scripted-smtp.ts';
import { waitUntil } from '../support/wait.ts';
import { makeTestConfig, writeTestConfigFile } from '../support/test-config.ts';

/**
 * An SMTP server that accepts connections and never answers, and a shutdown in the middle of a
 * send: rows never handed to SMTP go back to `queued` at once, the transactions stuck on the
 * silent server are ended at the shutdown deadline and their rows released. None stays claimed.
 */
const READERS = 50;
const MAX_CONNECTIONS = 2;

async function countByStatus(db: Parameters<typeof insertSubscriber>[0]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const r of await db.selectFrom('deliveries').select('status').execute()) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

test('close() while SMTP transactions hang at MAIL FROM: unsent rows are queued again at once, stuck sends are ended at the deadline, none stays sending', async (t) => {
  const silent = await startSilentSmtp({ until: 'mail-from' });
  t.after(() => silent.close());
  const { config, seedsDir } = makeTestConfig(t, {
    server: { shutdownTimeoutMs: 6000 },
    mail: { smtpUrl: silent.url, maxConnections: MAX_CONNECTIONS },
  });
  writeArticle(seedsDir, { slug: 'stuck-news', date: new Date().toISOString().slice(0, 10) });
  const gazette = await createGazette(config);
  await gazette.core.ingest.run();
  for (let i = 0; i < READERS; i++) await insertSubscriber(gazette.core.store.db, { frequency: 'daily' });
  assert.ok(await createDueEdition(gazette.core.store.db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date()));
  gazette.core.mail.worker.start();
  await waitUntil(
    async () =>
      silent.connections() >= MAX_CONNECTIONS && (await countByStatus(gazette.core.store.db)).sending === READERS ? true : undefined,
    'the worker to claim the edition and connect',
  );

  let closed = false;
  const closeStarted = Date.now();
  const closing = gazette.close().then(() => (closed = true));
  // Long before the deadline, only the messages already handed to the pool are still claimed.
  const early = await waitUntil(async () => {
    const counts = await countByStatus(gazette.core.store.db);
    return (counts.sending ?? 0) <= MAX_CONNECTIONS * 2 ? counts : undefined;
  }, 'unsent rows released');
  assert.equal(closed, false, 'released before the shutdown deadline, not at it');
  assert.ok((early.queued ?? 0) >= READERS - MAX_CONNECTIONS * 2, JSON.stringify(early));
  await closing;
  // The silent server would hold these transactions for nodemailer's 60 s socket timeout; 30 s
  // tells the 6 s deadline from that with a margin a loaded machine cannot use up.
  assert.ok(Date.now() - closeStarted < 30_000, `close() returned after ${Date.now() - closeStarted} ms`);

  const store = await openStore({ url: null, dataDir: config.paths.dataDir });
  t.after(() => store.close());
  const rows = await store.db.selectFrom('deliveries').select(['status', 'attempts', 'due_at', 'lease_token']).execute();
  assert.deepEqual(await countByStatus(store.db), { queued: READERS });
  assert.ok(
    rows.every((r) => r.lease_token === null && r.attempts === 0 && new Date(r.due_at!).getTime() <= Date.now()),
    'due at once, no lease, no attempt counted',
  );
  const replies = await store.db.selectFrom('deliveries').select('last_reply').execute();
  // Handed to nodemailer's pool: one per connection stuck at MAIL FROM, and those waiting for a connection.
  const ended = replies.filter((r) => /SMTP transaction ended at shutdown/.test(r.last_reply ?? '')).length;
  assert.ok(ended >= MAX_CONNECTIONS && ended <= MAX_CONNECTIONS * 2, `${ended} stuck sends ended`);
  assert.equal(replies.filter((r) => r.last_reply === 'not attempted: delivery stopped').length, READERS - ended);
});

test('SIGTERM to gazette serve while the SMTP server hangs: the process exits in time and every row is queued again, none claimed', async (t) => {
  const silent = await startSilentSmtp();
  t.after(() => silent.close());
  const { configFile, config } = writeTestConfigFile(t, {
    site: { baseUrl: 'https://news.example.com' },
    server: { port: 0, shutdownTimeoutMs: 8000 },
    mail: { smtpUrl: silent.url, maxConnections: MAX_CONNECTIONS },
    log: { level: 'info' },
  });
  writeArticle(config.paths.seedsDir, { slug: 'stuck-news', date: new Date().toISOString().slice(0, 10) });
  const setup = await createGazette(config);
  await setup.core.ingest.run();
  for (let i = 0; i < READERS; i++) await insertSubscriber(setup.core.store.db, { frequency: 'daily' });
  assert.ok(await createDueEdition(setup.core.store.db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date()));
  await setup.close();

  const server = serveInChild(configFile);
  t.after(() => server.child.kill('SIGKILL'));
  const store = await openStore({ url: null, dataDir: config.paths.dataDir });
  t.after(() => store.close());
  await waitUntil(
    async () => (silent.connections() >= MAX_CONNECTIONS && (await countByStatus(store.db)).sending === READERS ? true : undefined),
    'gazette serve to claim every row and connect',
  );

  const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  server.child.kill('SIGTERM');
  assert.equal(await exited, 0, server.output());
  assert.match(server.output(), /shutting down/);
  const rows = await store.db.selectFrom('deliveries').select(['status', 'attempts', 'due_at', 'lease_token']).execute();
  assert.deepEqual(await countByStatus(store.db), { queued: READERS }, server.output().slice(-2000));
  assert.ok(
    rows.every((r) => r.lease_token === null && r.attempts === 0 && new Date(r.due_at!).getTime() <= Date.now()),
    'due again at once: a restart sends them without waiting out a lease',
  );
});
