import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { loadConfig } from '../../src/config/load-config.ts';
import { createCore } from '../../src/core/create-core.ts';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertReaders } from '../support/gazette-instances.ts';
import { runGazette, serveInChild } from '../support/run-gazette.ts';
import { startSmtpSink, type ReceivedMail } from '../support/smtp-sink.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { TEST_SECRET } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';

const READERS = 5000;
const MAX_CONNECTIONS = 3;
/** Slow enough that the backup lands in the middle of the send, on any machine: 5,000 take 20 s. */
const RATE_PER_SECOND = 250;
/** The worker's claim (delivery-worker.ts): at most this many rows are `sending` at any instant. */
const CLAIM_BATCH = 200;
const EDITION_CEILING_MS = 10 * 60_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One `gazette serve` run's config: its own data directory, the shared seeds, an SMTP name the sink can tell apart. */
function writeRunConfig(dir: string, name: string, seedsDir: string, smtpUrl: string, perSecond: number | null): string {
  const dataDir = path.join(dir, name);
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const settings: { [key: string]: Json } = {
    site: { baseUrl: 'https://news.example.com' },
    server: { port: 0 },
    paths: { dataDir, seedsDir },
    // The same link-signing key in both runs, as an operator restoring a backup keeps secret.key.
    secret: TEST_SECRET,
    mail: {
      smtpUrl: `${smtpUrl}/?name=${name}`,
      leaseSeconds: 10,
      maxConnections: MAX_CONNECTIONS,
      rateLimit: { perSecond, perHour: null },
    },
    scheduler: { enabled: false },
    log: { level: 'info' },
  };
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

/** Each edition row of a database file and its state, by recipient address. */
function rowStates(file: string): Map<string, string> {
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `select s.email as email, d.status as status from deliveries d join subscribers s on s.id = d.subscriber_id where d.kind = 'edition'`,
      )
      .all() as { email: string; status: string }[];
    return new Map(rows.map((r) => [r.email, r.status]));
  } finally {
    db.close();
  }
}

function byRecipient(messages: readonly ReceivedMail[]): Map<string, ReceivedMail[]> {
  const map = new Map<string, ReceivedMail[]>();
  for (const m of messages) map.set(m.envelopeTo[0]!, [...(map.get(m.envelopeTo[0]!) ?? []), m]);
  return map;
}

test('a backup taken in the middle of a 5,000-recipient send, restored into a fresh data directory: sent rows stay sent, the rest send once', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const dir = makeTempDir(t);
  const seedsDir = path.join(dir, 'seeds');
  mkdirSync(seedsDir);
  const firstConfig = writeRunConfig(dir, 'run-1', seedsDir, sink.url, RATE_PER_SECOND);
  const secondConfig = writeRunConfig(dir, 'run-2', seedsDir, sink.url, null);
  const backupFile = path.join(dir, 'mid-send.sqlite');

  // The list and the edition, made before the service starts: run 1 then only sends.
  const setup = await createCore(loadConfig({ env: { GAZETTE_CONFIG: firstConfig }, overrides: { log: { level: 'silent' } } }));
  const expected = (await insertReaders(setup.store.db, READERS, 'daily')).sort();
  writeArticle(seedsDir, { slug: 'backup-day-story', date: new Date().toISOString().slice(0, 10) });
  await setup.ingest.run();
  const edition = await createDueEdition(setup.store.db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date());
  assert.equal(edition?.recipients, READERS);
  await setup.close();

  // Run 1 sends; the backup is taken by a second process while it does.
  const first = serveInChild(firstConfig);
  t.after(() => first.child.kill('SIGKILL'));
  const firstExited = new Promise<void>((resolve) => first.child.once('exit', () => resolve()));
  const fromRun = (name: string): ReceivedMail[] => sink.messages.filter((m) => m.heloName === name);
  await waitUntil(() => sink.messages.length >= 1000, 'run 1 to have sent 1,000 messages', { ceilingMs: EDITION_CEILING_MS });
  const receivedAtBackupStart = sink.messages.length;
  const backup = await runGazette(['backup', '--output', backupFile], { GAZETTE_CONFIG: firstConfig });
  const receivedAtBackupEnd = sink.messages.length;
  // The server is lost right after the backup: nothing run 1 did after it is known to the restored list.
  first.child.kill('SIGKILL');
  await firstExited;
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(
    backup.stdout,
    new RegExp(
      `^Backup written to ${backupFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n  \\d+ bytes, \\d+ pages, \\d+ migrations; integrity check ok; took \\d+ ms\\n$`,
    ),
  );

  const atBackup = rowStates(backupFile);
  const sentAtBackup = new Set([...atBackup].filter(([, s]) => s === 'sent').map(([e]) => e));
  const claimedAtBackup = new Set([...atBackup].filter(([, s]) => s === 'sending').map(([e]) => e));
  assert.equal(atBackup.size, READERS, 'every row of the edition is in the backup');
  assert.ok(
    sentAtBackup.size >= receivedAtBackupStart - MAX_CONNECTIONS && sentAtBackup.size < READERS,
    `the backup is of the middle of the send: ${sentAtBackup.size} sent (${receivedAtBackupStart} received when it began)`,
  );
  assert.ok(claimedAtBackup.size <= CLAIM_BATCH, `at most one claim is in flight: ${claimedAtBackup.size} sending`);
  assert.deepEqual(
    [...atBackup.values()].filter((s) => !['sent', 'sending', 'queued'].includes(s)),
    [],
    'nothing failed or skipped',
  );
  const firstRun = byRecipient(fromRun('run-1'));
  for (const email of sentAtBackup) assert.ok(firstRun.has(email), `${email}, sent in the backup, was received from run 1`);

  // Restored into a fresh data directory, then served: the rest of the edition goes out.
  const restore = await runGazette(['restore', backupFile], { GAZETTE_CONFIG: secondConfig });
  assert.equal(restore.code, 0, restore.stderr);
  assert.match(
    restore.stdout,
    /^Restored .* \(\d+ pages, \d+ migrations; integrity check ok\)\n {2}There was no database there before\.\n$/,
  );
  const restoredStates = rowStates(path.join(dir, 'run-2', 'gazette.sqlite'));
  assert.deepEqual(restoredStates, atBackup, 'the restored rows are the backup rows');

  const second = serveInChild(secondConfig);
  t.after(() => second.child.kill('SIGKILL'));
  const toResend = READERS - sentAtBackup.size;
  await waitUntil(() => fromRun('run-2').length >= toResend, `run 2 to send the ${toResend} rows not sent in the backup`, {
    ceilingMs: EDITION_CEILING_MS,
  });
  await waitUntil(
    () => [...rowStates(path.join(dir, 'run-2', 'gazette.sqlite')).values()].every((s) => s === 'sent'),
    'every row of the restored database recorded as sent',
  );
  const secondExited = new Promise<number | null>((resolve) => second.child.once('exit', (code) => resolve(code)));
  second.child.kill('SIGTERM');
  assert.equal(await secondExited, 0, second.output().slice(-2000));

  // Run 2 sent exactly the rows that were not sent in the backup, each once.
  const secondRun = byRecipient(fromRun('run-2'));
  assert.equal(fromRun('run-2').length, toResend, 'run 2 sent no message twice');
  assert.deepEqual(
    [...secondRun.keys()].sort(),
    expected.filter((e) => !sentAtBackup.has(e)),
    'run 2 sent exactly the rows not sent in the backup',
  );
  // Over both runs every reader got the edition; twice only where run 1 sent after the backup's instant.
  const overall = byRecipient(sink.messages);
  assert.deepEqual([...overall.keys()].sort(), expected);
  const twice = [...overall].filter(([, copies]) => copies.length > 1);
  const firstRunOrder = sink.messages.filter((m) => m.heloName === 'run-1');
  for (const [email, copies] of twice) {
    assert.equal(copies.length, 2, `${email}: once from each run`);
    assert.ok(!sentAtBackup.has(email), `${email} was not sent in the backup`);
    assert.equal(copies[0]!.parsed.messageId, copies[1]!.parsed.messageId, `${email}: the same Message-ID both times`);
    // Run 1 delivered it after the backup began (or it was in flight then: one per connection).
    const index = firstRunOrder.indexOf(copies[0]!);
    assert.ok(index >= receivedAtBackupStart - MAX_CONNECTIONS, `${email}: run 1 delivered it at ${index}, before the backup began`);
  }
  t.diagnostic(`gazette backup said: ${backup.stdout.trim().replace(/\n\s*/g, ' / ')}`);
  const twiceClaimed = twice.filter(([email]) => claimedAtBackup.has(email)).length;
  t.diagnostic(
    `backup: ${sentAtBackup.size} sent, ${claimedAtBackup.size} sending (claimed), ${READERS - sentAtBackup.size - claimedAtBackup.size} queued; ` +
      `run 1 received ${receivedAtBackupStart} when the backup began, ${receivedAtBackupEnd} when it ended, ${firstRunOrder.length} in all; ` +
      `received twice: ${twice.length} (${twiceClaimed} of them claimed at the backup instant)`,
  );
  // The bound: a second copy only for what run 1 delivered after the backup began.
  assert.ok(twice.length <= firstRunOrder.length - receivedAtBackupStart + MAX_CONNECTIONS, `${twice.length} received twice`);
  assert.equal(sink.messages.length, READERS + twice.length, 'no other message twice');
});
