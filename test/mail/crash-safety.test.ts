import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { writeTestConfigFile } from '../support/test-config.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../support/deliver-child.ts');
const READERS = 300;
const KILLS = 3;
const MAX_CONNECTIONS = 3;

function runChild(configFile: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CHILD, configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );
}

test('a sender killed with SIGKILL at random points and restarted delivers every message; duplicates only for messages in flight, with the same Message-ID', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { configFile, config } = writeTestConfigFile(t, {
    site: { baseUrl: 'https://news.example.com' },
    // Slow enough (300 messages at 250/s) that every kill lands in the middle of the send.
    mail: {
      smtpUrl: sink.url,
      leaseSeconds: 5,
      retryBaseSeconds: 0,
      maxConnections: MAX_CONNECTIONS,
      rateLimit: { perSecond: 250, perHour: null },
    },
  });
  writeArticle(config.paths.seedsDir, { slug: 'crash-proof-news', date: new Date().toISOString().slice(0, 10) });
  const setup = await createGazette(config);
  await setup.core.ingest.run();
  const expected: string[] = [];
  for (let i = 0; i < READERS; i++)
    expected.push((await insertSubscriber(setup.core.store.db, { frequency: 'daily', email: `crash-${i}@example.org` })).email);
  assert.ok(await createDueEdition(setup.core.store.db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date()));
  await setup.close();

  for (let kill = 0; kill < KILLS; kill++) {
    const child = runChild(configFile);
    const target = Math.min(sink.messages.length + 10 + Math.floor(Math.random() * 50), READERS - 1);
    await sink.waitFor(target);
    child.kill('SIGKILL');
    await exitOf(child);
  }
  assert.ok(sink.messages.length < READERS, 'the kills happened before the end');
  const last = runChild(configFile);
  assert.equal(await exitOf(last), 0);

  const byRecipient = new Map<string, string[]>();
  for (const m of sink.messages) byRecipient.set(m.envelopeTo[0]!, [...(byRecipient.get(m.envelopeTo[0]!) ?? []), m.parsed.messageId!]);
  assert.deepEqual([...byRecipient.keys()].sort(), [...expected].sort(), 'the set received equals the set expected');
  const duplicates = [...byRecipient.values()].filter((ids) => ids.length > 1);
  for (const ids of duplicates) assert.equal(new Set(ids).size, 1, 'a duplicate carries the same Message-ID');
  // In flight at a kill: at most the rows being worked on (two per pooled connection).
  assert.ok(duplicates.length <= KILLS * MAX_CONNECTIONS * 2, `${duplicates.length} duplicates`);

  const check = await createGazette(config);
  t.after(() => check.close());
  const statuses = await check.core.store.db.selectFrom('deliveries').select('status').execute();
  assert.equal(statuses.length, READERS);
  assert.ok(statuses.every((s) => s.status === 'sent'));
});
