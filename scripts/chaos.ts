/**
 * Fault trials against real parts, with a table of what each cost:
 *   npx tsx scripts/chaos.ts [--recipients 5000] [--kills 3] [--only NAME[,NAME]]
 * Each send trial queues one weekly edition for N confirmed subscribers, starts the real
 * `gazette serve` (a child process, SQLite file or PostgreSQL schema), sends through an SMTP
 * server in a process of its own (bench/support/chaos-smtp-process.ts), injects the fault part
 * way through, and waits until the outbox has drained. Then it counts, per recipient, the
 * messages the SMTP server accepted:
 *   lost        recipients with no message
 *   duplicates  recipients with more than one (and whether all of them share one Message-ID,
 *               which is what a message in flight at a crash looks like)
 *   bounced     subscribers marked bounced (every address here is good, so any is wrong)
 *   >=500       HTTP answers of 500 or more (the unsubscribe trial)
 *   drain       seconds from the end of the fault to the last delivery settled
 * Targets: lost 0, bounced 0, >=500 0, duplicates only messages in flight (same Message-ID).
 * Needs PostgreSQL on 127.0.0.1:5432 (scripts/ensure-services.sh starts it) and, for the
 * PostgreSQL-restart trial, Debian's PostgreSQL server binaries (a throwaway cluster is made).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createLinkSigner } from '../src/shared/link-signer.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { createDueEdition } from '../src/editions/edition.service.ts';
import { createGazette, type Gazette } from '../src/main.ts';
import { countPendingDeliveries } from '../src/mail/outbox.repository.ts';
import { writeArticle } from '../test/support/build-article.ts';
import { insertReaders, startInstance, type GazetteInstance } from '../test/support/gazette-instances.ts';
import { makeTempDir } from '../test/support/temp-dir.ts';
import { TEST_SECRET } from '../test/support/test-config.ts';
import { makeTestDatabaseUrl } from '../test/support/test-database.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/throwaway-postgres.ts';

const { values: args } = parseArgs({
  options: { recipients: { type: 'string', default: '5000' }, kills: { type: 'string', default: '3' }, only: { type: 'string' } },
});
const RECIPIENTS = Number(args.recipients);
const KILLS = Number(args.kills);
const ONLY = args.only?.split(',');
/** Generous: a loaded two-core machine drains 5,000 messages in well under this. */
const DRAIN_CEILING_MS = 15 * 60_000;

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const cleanups: (() => Promise<void> | void)[] = [];
const scope = { after: (fn: () => Promise<void> | void) => void cleanups.push(fn) };

interface Row {
  trial: string;
  store: string;
  lost: number;
  duplicates: number;
  duplicatesShareId: boolean;
  bounced: number;
  over500: number | null;
  drainSeconds: number;
}
const rows: Row[] = [];

function formatRow(r: Row): string {
  return `| ${r.trial} | ${r.store} | ${r.lost} | ${r.duplicates} (${r.duplicates === 0 ? '-' : r.duplicatesShareId ? 'yes' : 'NO'}) | ${r.bounced} | ${r.over500 ?? '-'} | ${r.drainSeconds.toFixed(1)} |`;
}

/** Keeps a trial's row, and prints it at once: a later trial that fails does not lose it. */
function record(row: Row): void {
  rows.push(row);
  process.stderr.write(`${formatRow(row)}\n`);
}

/** The controllable SMTP server process, one per trial so its counts start at zero. */
class SmtpProcess {
  private constructor(
    readonly child: ChildProcess,
    private readonly lines: Interface,
    readonly port: number,
  ) {}
  private readonly queue: ((line: string) => void)[] = [];

  static async start(): Promise<SmtpProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('../bench/support/chaos-smtp-process.ts', import.meta.url).pathname],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    const smtp = new SmtpProcess(child, lines, (JSON.parse(first) as { port: number }).port);
    lines.on('line', (line) => smtp.queue.shift()?.(line));
    return smtp;
  }

  async send<T>(command: object): Promise<T> {
    const answer = new Promise<string>((resolve) => this.queue.push(resolve));
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    return JSON.parse(await answer) as T;
  }

  report(): Promise<{ count: number; byRecipient: Record<string, string[]> }> {
    return this.send({ cmd: 'report' });
  }

  stop(): void {
    this.child.kill();
  }
}

interface SendTrial {
  name: string;
  store: 'sqlite' | 'postgres';
  /** Fraction of the list sent before the fault. */
  at: number;
  /** Injects the fault and resolves when it is over (the clock for `drain` starts then). */
  fault(ctx: { smtp: SmtpProcess; instance: GazetteInstance; restart: () => Promise<GazetteInstance> }): Promise<void>;
  databaseUrl?: () => Promise<string>;
}

async function waitFor(what: string, check: () => Promise<boolean>, ceilingMs = DRAIN_CEILING_MS): Promise<void> {
  const deadline = Date.now() + ceilingMs;
  // The database may be the fault under trial: a check that cannot reach it is a "not yet".
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${ceilingMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runSendTrial(trial: SendTrial): Promise<void> {
  const dir = makeTempDir(scope, 'gazette-chaos-');
  const seedsDir = path.join(dir, 'seeds');
  const databaseUrl = trial.databaseUrl
    ? await trial.databaseUrl()
    : trial.store === 'postgres'
      ? (await makeTestDatabaseUrl(scope, 'postgres'))!
      : `sqlite:${path.join(dir, 'chaos.sqlite')}`;
  const config = loadConfig({
    env: {},
    overrides: {
      site: { baseUrl: 'https://news.example.com' },
      paths: { dataDir: path.join(dir, 'control'), seedsDir },
      database: { url: databaseUrl },
      secret: TEST_SECRET,
      scheduler: { enabled: false },
      log: { level: 'silent' },
    },
  });
  // Dated today: news, so the edition takes them (an article dated long before it became
  // visible is an archive import and mailed to nobody).
  const today = new Date().toISOString().slice(0, 10);
  for (let i = 1; i <= 10; i++) writeArticle(seedsDir, { slug: `chaos-story-number-${i}`, date: today });
  const control: Gazette = await createGazette(config);
  await control.core.ingest.run();
  const emails = await insertReaders(control.core.store.db, RECIPIENTS, 'weekly');
  const edition = await createDueEdition(control.core.store.db, 'weekly', new Date(Date.now() - 7 * 24 * 3600_000), new Date(), new Date());
  if (edition?.recipients !== RECIPIENTS) throw new Error(`the edition has ${edition?.recipients ?? 0} recipients, not ${RECIPIENTS}`);

  const smtp = await SmtpProcess.start();
  const settings = { databaseUrl, smtpUrl: `smtp://127.0.0.1:${smtp.port}`, seedsDir, mail: { maxConnections: 5, retryBaseSeconds: 1 } };
  let instance = await startInstance(dir, 'chaos', settings);
  const restart = async (): Promise<GazetteInstance> => (instance = await startInstance(dir, 'chaos', settings));
  try {
    await waitFor('the first part of the send', async () => (await smtp.report()).count >= Math.floor(RECIPIENTS * trial.at));
    await trial.fault({ smtp, instance, restart });
    const faultOver = performance.now();
    await waitFor('the outbox to drain', async () => (await countPendingDeliveries(control.core.store.db)) === 0);
    const drainSeconds = (performance.now() - faultOver) / 1000;
    const { byRecipient } = await smtp.report();
    const lost = emails.filter((e) => !byRecipient[e]?.length).length;
    const dups = emails.map((e) => byRecipient[e] ?? []).filter((ids) => ids.length > 1);
    const bounced = await control.core.store.db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'bounced')
      .executeTakeFirstOrThrow();
    record({
      trial: trial.name,
      store: trial.store,
      lost,
      duplicates: dups.length,
      duplicatesShareId: dups.every((ids) => new Set(ids).size === 1),
      bounced: Number(bounced.n),
      over500: null,
      drainSeconds,
    });
  } finally {
    instance.child.kill('SIGTERM');
    await instance.exited;
    smtp.stop();
    await control.close();
  }
}

const sendTrials: SendTrial[] = [];
for (const store of ['sqlite', 'postgres'] as const) {
  for (let k = 0; k < KILLS; k++) {
    sendTrials.push({
      name: `kill -9 #${k + 1}`,
      store,
      at: 0.1 + (0.7 * (k + 1)) / (KILLS + 1),
      async fault({ instance, restart }) {
        instance.child.kill('SIGKILL');
        await instance.exited;
        await restart();
      },
    });
  }
}
let throwaway: ThrowawayPostgres | undefined;
sendTrials.push(
  {
    name: 'PostgreSQL restarted (down 20 s)',
    store: 'postgres',
    at: 0.3,
    databaseUrl: async () => (throwaway = await startThrowawayPostgres(scope)).url,
    async fault() {
      await throwaway!.stop();
      await new Promise((r) => setTimeout(r, 20_000));
      await throwaway!.start();
    },
  },
  {
    name: 'SMTP server down 45 s',
    store: 'sqlite',
    at: 0.3,
    async fault({ smtp }) {
      await smtp.send({ cmd: 'down' });
      await new Promise((r) => setTimeout(r, 45_000));
      await smtp.send({ cmd: 'up' });
    },
  },
  {
    name: 'SMTP server never answers 40 s',
    store: 'sqlite',
    at: 0.3,
    async fault({ smtp }) {
      await smtp.send({ mode: 'hang' });
      await smtp.send({ cmd: 'down' });
      await smtp.send({ cmd: 'up' });
      await new Promise((r) => setTimeout(r, 40_000));
      await smtp.send({ mode: 'accept' });
    },
  },
  {
    name: 'relay answers 530 to MAIL FROM 30 s',
    store: 'sqlite',
    at: 0.3,
    async fault({ smtp }) {
      await smtp.send({ mode: 'refuse530' });
      await new Promise((r) => setTimeout(r, 30_000));
      await smtp.send({ mode: 'accept' });
    },
  },
);

/**
 * One-click unsubscribes while other processes write the same SQLite file: a process that takes
 * the write lock in a loop, and the real `gazette ingest` run again and again on a changing seed.
 */
async function runUnsubscribeTrial(count: number): Promise<void> {
  const dir = makeTempDir(scope, 'gazette-chaos-');
  const seedsDir = path.join(dir, 'seeds');
  const sharedDataDir = path.join(dir, 'shared');
  const databaseUrl = `sqlite:${path.join(sharedDataDir, 'gazette.sqlite')}`;
  const config = loadConfig({
    env: {},
    overrides: {
      site: { baseUrl: 'https://news.example.com' },
      paths: { dataDir: path.join(dir, 'control'), seedsDir },
      database: { url: databaseUrl },
      secret: TEST_SECRET,
      scheduler: { enabled: false },
      log: { level: 'silent' },
    },
  });
  mkdirSync(sharedDataDir, { recursive: true });
  const seed = writeArticle(seedsDir, { slug: 'a-story-edited-all-the-time', date: '1 September 2025' });
  const control = await createGazette(config);
  await control.core.ingest.run();
  const emails = await insertReaders(control.core.store.db, count, 'weekly');
  const signer = createLinkSigner(TEST_SECRET);
  const smtp = await SmtpProcess.start();
  const instance = await startInstance(dir, 'chaos', { databaseUrl, smtpUrl: `smtp://127.0.0.1:${smtp.port}`, seedsDir });
  const writer = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('../test/support/sqlite-writer-child.ts', import.meta.url).pathname, sharedDataDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => createInterface({ input: writer.stdout }).once('line', () => resolve()));
  let ingesting = true;
  const configFile = path.join(dir, 'chaos', 'gazette.json');
  const ingestLoop = (async () => {
    for (let i = 0; ingesting; i++) {
      writeArticle(seedsDir, { slug: 'a-story-edited-all-the-time', date: '1 September 2025', paragraphs: [`Edit number ${i}.`] });
      utimesSync(seed, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'ingest'], {
        env: { ...process.env, GAZETTE_CONFIG: configFile },
        stdio: 'ignore',
      });
      await new Promise((resolve) => child.once('exit', resolve));
    }
  })();
  const started = performance.now();
  let over500 = 0;
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < emails.length) {
        const email = emails[next++]!;
        const token = signer.sign('manage', `sub-${email}`);
        const res = await fetch(`${instance.url}/unsubscribe/${token}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        });
        await res.arrayBuffer();
        if (res.status >= 500) over500 += 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const unsubscribed = await control.core.store.db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'unsubscribed')
      .executeTakeFirstOrThrow();
    record({
      trial: `${count} one-click unsubscribes beside a writer and \`gazette ingest\` (${Number(unsubscribed.n)} recorded)`,
      store: 'sqlite',
      lost: count - Number(unsubscribed.n),
      duplicates: 0,
      duplicatesShareId: true,
      bounced: 0,
      over500,
      drainSeconds: (performance.now() - started) / 1000,
    });
  } finally {
    ingesting = false;
    writer.kill('SIGTERM');
    await ingestLoop;
    instance.child.kill('SIGTERM');
    await instance.exited;
    smtp.stop();
    await control.close();
  }
}

try {
  if (!ONLY || ONLY.some((o) => 'unsubscribe'.includes(o))) {
    process.stderr.write('trial: one-click unsubscribes beside other writers (sqlite)\n');
    await runUnsubscribeTrial(1000);
  }
  for (const trial of sendTrials) {
    if (ONLY && !ONLY.some((o) => trial.name.includes(o))) continue;
    process.stderr.write(`trial: ${trial.name} (${trial.store})\n`);
    await runSendTrial(trial);
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}

console.log(`\n${RECIPIENTS} recipients per send trial, 5 SMTP connections\n`);
console.log('| trial | store | lost | duplicates (same Message-ID) | wrongly bounced | >= 500 | drain (s) |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(formatRow(r));
