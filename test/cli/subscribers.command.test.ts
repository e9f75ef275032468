import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/config/load-config.ts';
import { createCore } from '../../src/core/create-core.ts';
import { countSignupRefusal } from '../../src/subscribers/signup-guard.repository.ts';
import { suppressAddress } from '../../src/subscribers/suppression.service.ts';
import { writeTestConfigFile } from '../support/test-config.ts';

const run = promisify(execFile);

/** Runs the real CLI in a child process over a config file in a fresh directory. */
function cliIn(t: TestContext) {
  const { configFile, dir, config } = writeTestConfigFile(t, { scheduler: { enabled: false } });
  const gazette = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), ...args], {
        cwd: projectRoot,
        env: { PATH: process.env.PATH, GAZETTE_CONFIG: configFile },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  return { dir, gazette, config };
}

test('gazette subscribers import reports bad rows by file and line, is idempotent, then list, stats and export agree', async (t) => {
  const { dir, gazette, config } = cliIn(t);
  const file = path.join(dir, 'list.csv');
  writeFileSync(file, 'email,name\nann@example.com,Ann\nbroken@\nbob@example.com,"Bob, Jr."\n');

  const first = await gazette('subscribers', 'import', file, '--consent-source', 'Paper form, 2025');
  assert.equal(first.code, 1, 'exit 1 when a row is invalid');
  assert.match(first.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}:3: email: `));
  assert.match(first.stdout, /3 rows: 2 imported, 0 already on the list \(unchanged\), 1 invalid/);
  assert.doesNotMatch(first.stderr, /Importing \|/, 'no progress bar when stderr is not a terminal');

  const second = await gazette('subscribers', 'import', file, '--consent-source', 'Paper form, 2025');
  assert.match(second.stdout, /3 rows: 0 imported, 2 already on the list/);

  const list = await gazette('subscribers', 'list', '--status', 'confirmed', '--json');
  assert.equal(list.code, 0);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { email: string; consent: { source: string } });
  assert.deepEqual(rows.map((r) => r.email).sort(), ['ann@example.com', 'bob@example.com']);
  assert.equal(rows[0]!.consent.source, 'Paper form, 2025');

  const core = await createCore(config);
  try {
    await countSignupRefusal(core.store.db, 'honeypot', new Date());
    await countSignupRefusal(core.store.db, 'honeypot', new Date(Date.now() - 40 * 86_400_000));
  } finally {
    await core.close();
  }
  const stats = JSON.parse((await gazette('subscribers', 'stats')).stdout) as {
    total: number;
    byStatus: { confirmed: number };
    refusedSignups: { last30Days: Record<string, number>; total: Record<string, number> };
  };
  assert.equal(stats.total, 2);
  assert.equal(stats.byStatus.confirmed, 2);
  assert.deepEqual(
    [stats.refusedSignups.last30Days.honeypot, stats.refusedSignups.total.honeypot, stats.refusedSignups.total['too-fast']],
    [1, 2, 0],
    'refused sign-ups by reason: the last 30 days and in all',
  );

  const out = path.join(dir, 'out.csv');
  assert.equal((await gazette('subscribers', 'export', '--output', out)).code, 0);
  const exported = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(exported.length, 3);
  assert.match(exported[0]!, /^id,email,name,frequency,status/);
  assert.ok(exported.some((l) => l.includes('"Bob, Jr."')));
});

test('gazette subscribers explains what it needs', async (t) => {
  const { gazette } = cliIn(t);
  const none = await gazette('subscribers');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /Say what to do: gazette subscribers list\|import\|export\|stats/);
  const bad = await gazette('subscribers', 'list', '--status', 'active');
  assert.match(bad.stderr, /--status must be one of pending, confirmed, unsubscribed, bounced/);
  const missing = await gazette('subscribers', 'import');
  assert.match(missing.stderr, /Name the CSV file/);
});

test('gazette subscribers import reports suppressed addresses and skips them; unsuppress lifts one', async (t) => {
  const { dir, gazette, config } = cliIn(t);
  const core = await createCore(config);
  try {
    await suppressAddress(core.subscriberAdmin, 'gone@example.com', 'operator', 'test');
  } finally {
    await core.close();
  }
  const file = path.join(dir, 'list.csv');
  writeFileSync(file, 'email\nkept@example.com\ngone@example.com\n');

  const first = await gazette('subscribers', 'import', file);
  assert.equal(first.code, 0, 'a suppressed row is expected, not an error');
  assert.match(first.stdout, /2 rows: 1 imported, 0 already on the list \(unchanged\), 0 invalid, 1 suppressed/);
  assert.match(first.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}:3: suppressed`));

  const lifted = await gazette('subscribers', 'unsuppress', 'gone@EXAMPLE.com');
  assert.equal(lifted.code, 0, lifted.stderr);
  assert.match(lifted.stdout, /Suppression lifted/);
  const again = await gazette('subscribers', 'unsuppress', 'gone@example.com');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /not suppressed/);
  assert.match((await gazette('subscribers', 'unsuppress')).stderr, /Name the address/);
  assert.match((await gazette('subscribers', 'unsuppress', 'not-an-address')).stderr, /is not an email address/);

  const second = await gazette('subscribers', 'import', file);
  assert.match(second.stdout, /2 rows: 1 imported, 1 already on the list \(unchanged\), 0 invalid, 0 suppressed/);
});
