import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { projectRoot } from '../src/config/load-config.ts';
import { createLinkSigner } from '../src/shared/link-signer.ts';
import { findFreePort } from '../test/support/browser-gazette.ts';

/**
 * One-click unsubscribes against a real `gazette serve` while a CLI command writes to the same
 * SQLite file: 1,000 `POST /unsubscribe/<token>` (4 at a time) while `gazette subscribers
 * import` (5,000 new rows each time) runs in a loop. Prints the answers by status and how many
 * unsubscribes the store recorded. Before every transaction began IMMEDIATE: about 1% 500s.
 * Run: npx tsx bench/concurrent-unsubscribe.ts [checkout, default this one]
 */
const root = path.resolve(process.argv[2] ?? projectRoot);
const bin = path.join(root, 'bin/gazette.js');
const run = promisify(execFile);
const READERS = 1000;
const dir = mkdtempSync(path.join(tmpdir(), 'gazette-bench-unsubscribe-'));
mkdirSync(path.join(dir, 'seeds'));
const secret = 'bench-secret-0123456789-0123456789-abcdef';
const port = await findFreePort();
const dataDir = path.join(dir, 'data');
const env = {
  PATH: process.env.PATH ?? '',
  GAZETTE_DATA_DIR: dataDir,
  GAZETTE_SEEDS_DIR: path.join(dir, 'seeds'),
  GAZETTE_SECRET: secret,
  GAZETTE_PORT: String(port),
  GAZETTE_LOG_LEVEL: 'silent',
};
const csvOf = (prefix: string, n: number): string =>
  ['email', ...Array.from({ length: n }, (_, i) => `${prefix}${i}@example.org`)].join('\n');
const importCsv = async (name: string, csv: string, extra: string[] = []): Promise<void> => {
  writeFileSync(path.join(dir, name), csv);
  await run(process.execPath, [bin, 'subscribers', 'import', path.join(dir, name), ...extra], { env });
};
const countRows = (where: string): number => {
  const db = new SqliteDatabase(path.join(dataDir, 'gazette.sqlite'), { readonly: true });
  try {
    return (db.prepare(`select count(*) as n from subscribers where ${where}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

await importCsv('readers.csv', csvOf('reader', READERS), ['--consent-source', 'bench']);
const server = spawn(process.execPath, [bin, 'serve'], { env, stdio: 'ignore' });
const base = `http://127.0.0.1:${port}`;
for (;;) {
  const up = await fetch(`${base}/healthz`).then(
    () => true,
    () => false,
  );
  if (up) break;
  await new Promise((r) => setTimeout(r, 200));
}
const db = new SqliteDatabase(path.join(dataDir, 'gazette.sqlite'), { readonly: true });
const ids = (db.prepare("select id from subscribers where email like 'reader%'").all() as { id: string }[]).map((r) => r.id);
db.close();
const signer = createLinkSigner(secret);

let stopping = false;
let imports = 0;
const writer = (async () => {
  while (!stopping) await importCsv(`w${imports}.csv`, csvOf(`w${imports++}-`, 5000)).catch(() => undefined);
})();
// The unsubscribes begin once the first import is writing.
while (countRows("email like 'w0-%'") === 0) await new Promise((r) => setTimeout(r, 20));
const statuses: Record<number, number> = {};
let next = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < ids.length) {
      const res = await fetch(`${base}/unsubscribe/${signer.sign('manage', ids[next++]!)}`, { method: 'POST' });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  }),
);
stopping = true;
await writer;
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
const recorded = countRows("email like 'reader%' and status = 'unsubscribed'");
console.log(JSON.stringify({ checkout: root, unsubscribes: ids.length, statuses, recorded, importsMeanwhile: imports }));
rmSync(dir, { recursive: true, force: true });
