import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import express from 'express';
import { createGazette } from '../src/main.ts';
import { startSmtpSink } from '../test/support/smtp-sink.ts';
import { benchConfig } from './support/bench-fixtures.ts';

/**
 * POST /subscribe throughput (validation, IP rate limit in the store, subscriber row,
 * confirmation row and outbox row in one transaction) against a hello-world route on the same
 * server, same process, same run. Every request is a new address, so each one does the full
 * work. An SMTP sink listens throughout: it must receive nothing while the benchmark runs,
 * because confirmation mail is queued, not sent inline.
 * Run: npx tsx bench/subscribe.ts [seconds per measurement, default 10]
 */
const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = 10;

const dir = mkdtempSync(path.join(tmpdir(), 'gazette-bench-subscribe-'));
const sink = await startSmtpSink();
const config = benchConfig({
  paths: { dataDir: path.join(dir, 'data'), seedsDir: path.join(dir, 'seeds') },
  mail: { smtpUrl: sink.url },
  subscriptions: { maxSubscribesPerIpPerHour: 1_000_000_000 },
  scheduler: { enabled: false },
});
const gazette = await createGazette(config);
// The hello-world route sits in front of Gazette's app on the same server.
const outer = express();
outer.get('/hello', (_req, res) => {
  res.type('text').send('hello, world');
});
outer.use(gazette.server.app);
const server = outer.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function measure(label: string, options: Partial<autocannon.Options>): Promise<{ rps: number; p99: number; non2xx: number }> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, ...options });
  const rps = result.requests.average;
  console.log(`${label.padEnd(44)} ${rps.toFixed(0).padStart(7)} req/s   p99 ${result.latency.p99} ms   non-2xx ${result.non2xx}`);
  return { rps, p99: result.latency.p99, non2xx: result.non2xx };
}

let counter = 0;
const subscribe: Partial<autocannon.Options> = {
  requests: [
    {
      method: 'POST',
      path: '/subscribe',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({ email: `reader${++counter}@example.com`, name: 'Bench Reader', frequency: 'weekly', consent: true }),
      }),
    },
  ],
};

await measure('warm-up: POST /subscribe', { ...subscribe, duration: 2 });
const hello = await measure('GET /hello (baseline)', { requests: [{ method: 'GET', path: '/hello' }] });
const subs = await measure('POST /subscribe (new address each time)', subscribe);

const db = gazette.core.store.db;
const count = async (table: 'subscribers' | 'deliveries') =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
const [subscribers, queued] = [await count('subscribers'), await count('deliveries')];
console.log(`\nratio POST /subscribe / hello-world: ${(subs.rps / hello.rps).toFixed(3)} (${(hello.rps / subs.rps).toFixed(1)}x slower)`);
console.log(
  `subscribers created: ${subscribers}; confirmation mails queued in the outbox: ${queued}; mails received by SMTP during the run: ${sink.messages.length}`,
);
if (subs.non2xx > 0 || queued !== subscribers || sink.messages.length !== 0) {
  console.error('unexpected: every subscribe must be a 202 with one queued (unsent) confirmation');
  process.exitCode = 1;
}

server.close();
server.closeAllConnections();
await gazette.close();
await sink.close();
rmSync(dir, { recursive: true, force: true });
