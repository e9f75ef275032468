import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { writeArticle } from '../support/build-article.ts';
import { serveInChild } from '../support/run-gazette.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { writeTestConfigFile } from '../support/test-config.ts';

const READERS = 400;

const exitOf = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops gazette serve in the middle of a send: in-flight SMTP finishes, every row is consistent, a restart sends the rest`, async (t) => {
    const sink = await startSmtpSink();
    t.after(() => sink.close());
    const { configFile, config } = writeTestConfigFile(t, {
      site: { baseUrl: 'https://news.example.com' },
      server: { port: 0, shutdownTimeoutMs: 5000 },
      mail: { smtpUrl: sink.url, maxConnections: 3, rateLimit: { perSecond: 200, perHour: null } },
      log: { level: 'info' },
    });
    writeArticle(config.paths.seedsDir, { slug: 'shutdown-news', date: new Date().toISOString().slice(0, 10) });
    const setup = await createGazette(config);
    await setup.core.ingest.run();
    for (let i = 0; i < READERS; i++) await insertSubscriber(setup.core.store.db, { frequency: 'daily', email: `stop-${i}@example.org` });
    assert.ok(await createDueEdition(setup.core.store.db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date()));
    await setup.close();

    const first = serveInChild(configFile);
    await sink.waitFor(30);
    const stoppedAt = Date.now();
    first.child.kill(signal);
    const exit = await exitOf(first.child);
    assert.deepEqual(exit, { code: 0, signal: null }, first.output());
    // Not a speed target: the margin over server.shutdownTimeoutMs (5 s) only tells "the deadline
    // holds" from "waits for an SMTP socket timeout" (60 s), however loaded the machine is.
    assert.ok(Date.now() - stoppedAt < 30_000, 'exits at the shutdown deadline, not at an SMTP timeout');
    assert.match(first.output(), /shutting down/);

    const store = await openStore({ url: null, dataDir: config.paths.dataDir });
    const rows = await store.db
      .selectFrom('deliveries')
      .innerJoin('subscribers', 'subscribers.id', 'deliveries.subscriber_id')
      .select(['deliveries.status', 'subscribers.email'])
      .execute();
    await store.close();
    const received = new Set(sink.messages.map((m) => m.envelopeTo[0]));
    assert.ok(received.size < READERS, 'stopped before the end of the send');
    assert.equal(rows.filter((r) => r.status === 'sending').length, 0, 'no row left claimed');
    assert.deepEqual(
      new Set(rows.filter((r) => r.status === 'sent').map((r) => r.email)),
      received,
      'sent rows are exactly the messages received',
    );

    const second = serveInChild(configFile);
    t.after(() => second.child.kill('SIGKILL'));
    await sink.waitFor(READERS);
    second.child.kill('SIGTERM');
    assert.equal((await exitOf(second.child)).code, 0);
    assert.equal(new Set(sink.messages.map((m) => m.envelopeTo[0])).size, READERS);
    assert.equal(sink.messages.length, READERS, 'nobody received the edition twice');
  });
}
