import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { projectRoot } from '../../src/config/load-config.ts';
import { knownMigrationNames } from '../../src/store/store-migrations.ts';
import { assertOneLineRefusal, runGazette } from '../support/run-gazette.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { TEST_SECRET } from '../support/test-config.ts';
import { makeTestDatabaseUrl, POSTGRES_BASE_URL, storeKinds, type StoreKind } from '../support/test-database.ts';
import { waitUntil } from '../support/wait.ts';

const MIGRATIONS = knownMigrationNames.length;

interface Site {
  env: Record<string, string>;
  /** Runs SQL on the store directly (to play a newer Gazette). */
  execute(statement: string, values: string[]): Promise<void>;
  migrationTable: string;
}

async function makeSite(t: TestContext, kind: StoreKind, settings: object = {}): Promise<Site> {
  const dir = makeTempDir(t);
  mkdirSync(path.join(dir, 'seeds'));
  const url = await makeTestDatabaseUrl(t, kind);
  const configFile = path.join(dir, 'gazette.json');
  writeFileSync(configFile, JSON.stringify(settings));
  const env: Record<string, string> = {
    GAZETTE_CONFIG: configFile,
    GAZETTE_DATA_DIR: path.join(dir, 'data'),
    GAZETTE_SEEDS_DIR: path.join(dir, 'seeds'),
    GAZETTE_PORT: '0',
    GAZETTE_LOG_LEVEL: 'info',
    ...(url ? { DATABASE_URL: url, GAZETTE_SECRET: TEST_SECRET } : {}),
  };
  const schema = url ? new URL(url).searchParams.get('schema')! : undefined;
  return {
    env,
    migrationTable: schema ? `${schema}.kysely_migration` : 'kysely_migration',
    async execute(statement, values) {
      if (!url) {
        const db = new SqliteDatabase(path.join(dir, 'data', 'gazette.sqlite'));
        db.prepare(statement.replace(/\$\d/g, '?')).run(...values);
        db.close();
        return;
      }
      const client = new pg.Client({ connectionString: POSTGRES_BASE_URL });
      await client.connect();
      await client.query(statement, values).finally(() => client.end());
    },
  };
}

/** `gazette serve` (the installed bin) until it says it serves; then SIGTERM, and its exit code. */
async function serveUntilListening(t: TestContext, args: string[], env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin/gazette.js'), 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitUntil(() => /Gazette is serving/.test(output) || child.exitCode !== null, 'gazette serve to start');
  assert.match(output, /Gazette is serving/, output);
  child.kill('SIGTERM');
  return exited;
}

for (const kind of storeKinds) {
  describe(`gazette migrate on ${kind}`, () => {
    it('lists pending migrations, applies them apart from serve, and serve --no-migrate refuses until then', async (t) => {
      const site = await makeSite(t, kind);
      const before = await runGazette(['migrate', 'status'], site.env);
      assert.equal(before.code, 0, before.stderr);
      assert.equal((before.stdout.match(/^ {2}pending +\d{3}_\w+$/gm) ?? []).length, MIGRATIONS, before.stdout);
      assert.match(
        before.stdout,
        new RegExp(`\\n${MIGRATIONS} pending: run \`gazette migrate up\` \\(or start \`gazette serve\`\\)\\.\\n$`),
      );

      assertOneLineRefusal(
        await runGazette(['serve', '--no-migrate'], site.env),
        new RegExp(
          `^gazette serve: The database needs ${MIGRATIONS} migration\\(s\\) \\(001_initial, .*\\) and migrating at start is off \\(serve --no-migrate or database\\.migrateOnStart false\\): run \`gazette migrate up\` first\\.$`,
        ),
      );

      const up = await runGazette(['migrate', 'up'], site.env);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, new RegExp(`^Applied ${MIGRATIONS} migration\\(s\\) to \\S+:\\n {2}001_initial\\n`));
      assert.match((await runGazette(['migrate', 'up'], site.env)).stdout, /^Nothing to apply: \S+ is up to date\.\n$/);
      const after = await runGazette(['migrate', 'status'], site.env);
      assert.equal((after.stdout.match(/^ {2}applied \d{4}-\d\d-\d\dT[\d:.]+Z {2}\d{3}_\w+$/gm) ?? []).length, MIGRATIONS, after.stdout);
      assert.match(after.stdout, /\nUp to date\.\n$/);

      assert.equal(await serveUntilListening(t, ['--no-migrate'], site.env), 0, 'serve --no-migrate starts once nothing is pending');
    });

    it('database.migrateOnStart false: serve refuses while migrations are pending', async (t) => {
      const site = await makeSite(t, kind, { database: { migrateOnStart: false } });
      assertOneLineRefusal(
        await runGazette(['serve'], site.env),
        /^gazette serve: The database needs \d+ migration\(s\) .*: run `gazette migrate up` first\.$/,
      );
      assert.equal((await runGazette(['migrate', 'up'], site.env)).code, 0);
      assert.equal(await serveUntilListening(t, [], site.env), 0);
    });

    it('a database a newer Gazette migrated: status says so and exits non-zero; serve refuses in one line', async (t) => {
      const site = await makeSite(t, kind);
      assert.equal((await runGazette(['migrate', 'up'], site.env)).code, 0);
      await site.execute(`insert into ${site.migrationTable} (name, timestamp) values ($1, $2)`, [
        '999_from_the_future',
        new Date().toISOString(),
      ]);
      const status = await runGazette(['migrate', 'status'], site.env);
      assert.equal(status.code, 1);
      assert.match(status.stdout, /\nUp to date\.\n$/);
      const newer =
        /migrated by a newer Gazette \(migration 999_from_the_future is unknown to this version\): run that version, or restore a backup taken with this one\.$/;
      assertOneLineRefusal(status, new RegExp(`^gazette migrate: The database was ${newer.source}`));
      assertOneLineRefusal(await runGazette(['serve'], site.env), new RegExp(`^gazette serve: The database was ${newer.source}`));
      assertOneLineRefusal(await runGazette(['migrate', 'up'], site.env), new RegExp(`^gazette migrate: The database was ${newer.source}`));
    });
  });
}
