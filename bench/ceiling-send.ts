/**
 * Sending against the machine's ceiling (issue 16), into one Postfix smtp-sink on loopback, same
 * run: Postfix's smtp-source -d (C, connections reused) as the ceiling, with messages the size of
 * a real Gazette digest; Gazette's transport alone (as bench/send-throughput.ts drives it); and
 * end to end, `gazette digest send` (the installed CLI, a child process) for N subscribers from
 * the trigger to the last message the sink accepted, once beside a running `gazette serve` and
 * once alone. smtp-source runs before, between and after the others; its median is the ceiling.
 *   npx tsx bench/ceiling-send.ts [--messages 5000] [--recipients 5000] [--sessions 5]
 * Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.ts';
import { createCore } from '../src/core/create-core.ts';
import { createMailTransport } from '../src/mail/mail-transport.ts';
import { insertReaders } from '../test/support/gazette-instances.ts';
import { benchDigestMessage } from './support/digest-message.ts';
import { writeRealisticArticles } from './support/realistic-articles.ts';
import { startGazetteServe, writeGazetteConfig } from './support/ceiling-servers.ts';
import { runSmtpSource, startSmtpSink, type SmtpSink } from './support/postfix-smtp.ts';
import { ensureBenchTools, load, median } from './support/wrk.ts';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    recipients: { type: 'string', default: '5000' },
    sessions: { type: 'string', default: '5' },
  },
});
const MESSAGES = Number(flags.messages);
const RECIPIENTS = Number(flags.recipients);
const SESSIONS = Number(flags.sessions);
const GAZETTE_BIN = fileURLToPath(new URL('../bin/gazette.js', import.meta.url));

interface Figure {
  label: string;
  rate: number;
  load: string;
  detail?: string;
}

const digestMessage = (smtpUrl: string) => benchDigestMessage(smtpUrl, SESSIONS);

async function ceiling(sink: SmtpSink, bytes: number): Promise<Figure> {
  const before = load();
  const target = sink.messages() + MESSAGES;
  const t0 = performance.now();
  await runSmtpSource(sink.port, { messages: MESSAGES, sessions: SESSIONS, bytes });
  const { at } = await sink.reached(target);
  return { label: `smtp-source -d -s ${SESSIONS} -m ${MESSAGES} -l ${bytes}`, rate: MESSAGES / ((at - t0) / 1000), load: before };
}

/** Gazette's transport alone: prebuilt message substituted per recipient, `2 × sessions` in flight as the delivery worker keeps. */
async function transportAlone(sink: SmtpSink, message: Awaited<ReturnType<typeof digestMessage>>): Promise<Figure> {
  const before = load();
  const transport = createMailTransport(message.config);
  const send = (i: number): Promise<string> =>
    transport.send({ from: message.composer.envelopeFrom, to: `s${i}@example.org` }, message.render(i), `s${i}`);
  await Promise.all(Array.from({ length: 20 }, (_, i) => send(i))); // warm the pool
  const target = sink.messages() + MESSAGES;
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 2 * SESSIONS }, async () => {
      for (let i = next++; i < MESSAGES; i = next++) await send(i);
    }),
  );
  const { at } = await sink.reached(target);
  transport.close();
  return { label: `Gazette transport (${SESSIONS} connections)`, rate: MESSAGES / ((at - t0) / 1000), load: before };
}

/**
 * `gazette digest send --frequency weekly` for RECIPIENTS confirmed weekly subscribers and 10
 * new articles, in a fresh store, timed from the trigger (the CLI's start) to the sink's last
 * accepted message; beside `gazette serve` (whose delivery worker runs; its scheduler is off so
 * that its start-up catch-up does not make the edition before the trigger) or alone.
 */
async function endToEnd(sink: SmtpSink, besideServe: boolean): Promise<Figure> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-ceiling-send-'));
  try {
    const seedsDir = path.join(dir, 'seeds');
    writeRealisticArticles(seedsDir, 10, (i) => new Date(Date.now() - i * 3600_000).toISOString());
    const configFile = writeGazetteConfig(dir, {
      seedsDir,
      extra: {
        mail: { smtpUrl: `smtp://127.0.0.1:${sink.port}`, maxConnections: SESSIONS },
        scheduler: { enabled: false },
      },
    });
    const core = await createCore(loadConfig({ env: { GAZETTE_CONFIG: configFile }, overrides: { log: { level: 'silent' } } }));
    await core.ingest.run();
    await insertReaders(core.store.db, RECIPIENTS, 'weekly');
    await core.close();
    const serve = besideServe ? await startGazetteServe(configFile) : undefined;
    try {
      const before = load();
      const base = sink.messages();
      const first = sink.reached(base + 1);
      const last = sink.reached(base + RECIPIENTS);
      const triggerWall = Date.now();
      const t0 = performance.now();
      const cli = spawn(process.execPath, [GAZETTE_BIN, 'digest', 'send', '--frequency', 'weekly'], {
        env: { PATH: process.env.PATH ?? '', GAZETTE_CONFIG: configFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      cli.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      cli.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const [code] = (await once(cli, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`gazette digest send exited with ${code}:\n${output}`);
      const [firstAt, lastAt] = await Promise.all([first, last]);
      const created = /\bweekly\s+(\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(output);
      if (!created) throw new Error(`no edition in the CLI's report:\n${output}`);
      const seconds = (lastAt.at - t0) / 1000;
      const extra = sink.messages() - base - RECIPIENTS;
      return {
        label: `gazette digest send, ${RECIPIENTS} recipients, ${besideServe ? 'beside gazette serve' : 'alone'}`,
        rate: RECIPIENTS / seconds,
        load: before,
        detail:
          `trigger → last accepted ${seconds.toFixed(1)} s; trigger → first ${((firstAt.at - t0) / 1000).toFixed(2)} s; ` +
          `edition created → first ${((firstAt.wallMs - Date.parse(created[1]!)) / 1000).toFixed(2)} s ` +
          `(created ${((Date.parse(created[1]!) - triggerWall) / 1000).toFixed(2)} s after the trigger)` +
          (extra > 0 ? `; ${extra} messages more than recipients` : ''),
      };
    } finally {
      await serve?.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

ensureBenchTools();
const sink = await startSmtpSink();
try {
  const message = await digestMessage(`smtp://127.0.0.1:${sink.port}`);
  const bytes = message.render(0).length;
  console.log(
    `digest message: ${bytes} bytes (10 articles); ${availableParallelism()} cores; one smtp-sink for all; load average at start ${load()}`,
  );
  const ceilings: Figure[] = [];
  const figures: Figure[] = [];
  ceilings.push(await ceiling(sink, bytes));
  figures.push(await transportAlone(sink, message));
  ceilings.push(await ceiling(sink, bytes));
  figures.push(await endToEnd(sink, true));
  ceilings.push(await ceiling(sink, bytes));
  figures.push(await endToEnd(sink, false));
  ceilings.push(await ceiling(sink, bytes));
  const top = median(ceilings.map((c) => c.rate));
  console.log('\n| what | messages/s | / smtp-source | load at its start |');
  console.log('|---|---|---|---|');
  for (const c of ceilings) console.log(`| ${c.label} | ${c.rate.toFixed(0)} | ${(c.rate / top).toFixed(2)} | ${c.load} |`);
  for (const f of figures) console.log(`| ${f.label} | ${f.rate.toFixed(0)} | ${(f.rate / top).toFixed(2)} | ${f.load} |`);
  for (const f of figures.filter((x) => x.detail)) console.log(`${f.label}: ${f.detail}`);
  console.log(`\nsmtp-source median ${top.toFixed(0)} messages/s is the ceiling; load average at end ${load()}`);
} finally {
  await sink.stop();
}
