import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { migrations } from '../../src/store/migrations/index.ts';
import { writeArticle } from '../support/build-article.ts';
import { assertOneLineRefusal, runGazette, serveInChild } from '../support/run-gazette.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { TEST_SECRET } from '../support/test-config.ts';
import { makeTestDatabaseUrl, POSTGRES_BASE_URL } from '../support/test-database.ts';
import { waitUntil } from '../support/wait.ts';

const execFileAsync = promisify(execFile);

/** A data and a seeds directory, and the environment the `gazette` bin runs with over them. */
function site(t: TestContext): { dir: string; dataDir: string; database: string; env: Record<string, string> } {
  const dir = makeTempDir(t);
  mkdirSync(path.join(dir, 'seeds'));
  const dataDir = path.join(dir, 'data');
  return {
    dir,
    dataDir,
    database: path.join(dataDir, 'gazette.sqlite'),
    env: { GAZETTE_DATA_DIR: dataDir, GAZETTE_SEEDS_DIR: path.join(dir, 'seeds'), GAZETTE_PORT: '0', GAZETTE_LOG_LEVEL: 'info' },
  };
}

/** A migrated database and a backup of it (made by the command under test). */
async function siteWithBackup(t: TestContext): Promise<ReturnType<typeof site> & { backup: string }> {
  const s = site(t);
  assert.equal((await runGazette(['migrate', 'up'], s.env)).code, 0);
  const backup = path.join(s.dir, 'backup.sqlite');
  const run = await runGazette(['backup', '--output', backup], s.env);
  assert.equal(run.code, 0, run.stderr);
  return { ...s, backup };
}

function articleSlugs(file: string): string[] {
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('select slug from articles order by slug').pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('gazette backup', () => {
  it('writes a verified copy under backups/ by default, and never replaces a file without --force', async (t) => {
    const s = site(t);
    assert.equal((await runGazette(['migrate', 'up'], s.env)).code, 0);
    const first = await runGazette(['backup'], s.env);
    assert.equal(first.code, 0, first.stderr);
    const written = /^Backup written to (\S+)\n/.exec(first.stdout)?.[1];
    assert.match(written ?? '', new RegExp(`^${s.dataDir}/backups/gazette-\\d{8}T\\d{6}Z\\.sqlite$`));
    assert.match(
      first.stdout,
      new RegExp(`\\n {2}\\d+ bytes, \\d+ pages, ${Object.keys(migrations).length} migrations; integrity check ok; took \\d+ ms\\n`),
    );
    assert.equal(statSync(written!).size, Number(/(\d+) bytes/.exec(first.stdout)![1]));
    // A single self-contained file: no WAL beside it, and it opens as a rollback-journal database.
    assert.deepEqual(readdirSync(path.dirname(written!)), [path.basename(written!)]);
    const copy = new SqliteDatabase(written, { readonly: true });
    assert.equal(copy.pragma('journal_mode', { simple: true }), 'delete');
    copy.close();

    const output = path.join(s.dir, 'mine.sqlite');
    writeFileSync(output, 'precious');
    assertOneLineRefusal(
      await runGazette(['backup', '--output', output], s.env),
      /^gazette backup: \S+\/mine\.sqlite already exists: choose another --output, or add --force to replace it\.$/,
    );
    assert.equal(readFileSync(output, 'utf8'), 'precious');
    const forced = await runGazette(['backup', '--output', output, '--force'], s.env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(output).subarray(0, 15).toString(), 'SQLite format 3');
    assert.deepEqual(
      readdirSync(s.dir).filter((f) => f.includes('.partial-')),
      [],
      'no partial copy left behind',
    );
  });

  it('on PostgreSQL names, in one line each, the pg_dump and pg_restore commands, and they round-trip the schema', async (t) => {
    const s = site(t);
    const url = (await makeTestDatabaseUrl(t, 'postgres'))!;
    const schema = new URL(url).searchParams.get('schema')!;
    const env = { ...s.env, DATABASE_URL: url, GAZETTE_SECRET: TEST_SECRET };
    assert.equal((await runGazette(['migrate', 'up'], env)).code, 0);
    const sqlOn = async (statement: string): Promise<unknown[]> => {
      const client = new pg.Client({ connectionString: POSTGRES_BASE_URL });
      await client.connect();
      return client
        .query(statement)
        .then((r) => r.rows, undefined)
        .finally(() => client.end());
    };
    await sqlOn(`insert into ${schema}.site_state (key, value) values ('kept', 'by the dump')`);

    const backup = await runGazette(['backup'], env);
    assertOneLineRefusal(
      backup,
      new RegExp(
        `^gazette backup: The database is PostgreSQL: back it up with \`(pg_dump --format=custom --host=127\\.0\\.0\\.1 --port=5432 --username=postgres --dbname=test --schema=${schema} --file=gazette-\\d{8}T\\d{6}Z\\.dump)\` \\(see "Backups and upgrades" in the README\\)\\.$`,
      ),
    );
    // Debian's pg_dump and pg_restore, run as printed (the arguments hold no spaces).
    const printed = (run: { stderr: string }): string[] => /`([^`]+)`/.exec(run.stderr)![1]!.split(' ');
    const [dump, ...dumpArgs] = printed(backup);
    await execFileAsync(dump!, dumpArgs, { cwd: s.dir });
    const dumpFile = path.join(s.dir, dumpArgs.find((a) => a.startsWith('--file='))!.slice('--file='.length));
    await sqlOn(`delete from ${schema}.site_state where key = 'kept'`);

    const restore = await runGazette(['restore', dumpFile], env);
    assertOneLineRefusal(
      restore,
      /^gazette restore: The database is PostgreSQL: stop the service, then restore with `pg_restore --clean --if-exists --no-owner --host=127\.0\.0\.1 --port=5432 --username=postgres --dbname=test \S+\.dump` \(see "Backups and upgrades" in the README\)\.$/,
    );
    const [pgRestore, ...restoreArgs] = printed(restore);
    await execFileAsync(pgRestore!, restoreArgs);
    assert.deepEqual(await sqlOn(`select value from ${schema}.site_state where key = 'kept'`), [{ value: 'by the dump' }]);
    assert.match((await runGazette(['migrate', 'status'], env)).stdout, /\nUp to date\.\n$/);

    const withPassword = await runGazette(['backup'], { ...env, DATABASE_URL: 'postgres://gazette:s3cret@db.example.org:5433/news' });
    assertOneLineRefusal(withPassword, /--host=db\.example\.org --port=5433 --username=gazette --dbname=news --file=/);
    assert.doesNotMatch(withPassword.stderr, /s3cret/, 'the password is not printed');
  });
});

describe('gazette restore', () => {
  it('refuses while gazette serve runs on the data directory; after the service crashed, restores and keeps what the crash left in the WAL', async (t) => {
    const s = await siteWithBackup(t);
    // Written after the backup: the service ingests it at start, into the WAL.
    writeArticle(path.join(s.dir, 'seeds'), { slug: 'after-the-backup' });
    const configFile = path.join(s.dir, 'gazette.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        paths: { dataDir: s.dataDir, seedsDir: path.join(s.dir, 'seeds') },
        server: { port: 0 },
        scheduler: { enabled: false },
      }),
    );
    const server = serveInChild(configFile);
    t.after(() => server.child.kill('SIGKILL'));
    const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
    await waitUntil(() => /Gazette is serving/.test(server.output()), 'gazette serve to start');

    const refused = await runGazette(['restore', s.backup], s.env);
    assertOneLineRefusal(
      refused,
      new RegExp(
        `^gazette restore: The database \\S+/gazette\\.sqlite is open by process ${server.child.pid}: stop \`gazette serve\` \\(and any other gazette command\\) on this data directory, then run this again\\.$`,
      ),
    );
    assert.deepEqual(articleSlugs(s.database), ['after-the-backup'], 'the database is untouched');

    // A crash leaves the WAL and its index behind, and no lock: restore must not be blocked by them.
    server.child.kill('SIGKILL');
    await exited;
    assert.ok(existsSync(`${s.database}-wal`), 'the crash left a WAL');
    const restored = await runGazette(['restore', s.backup], s.env);
    assert.equal(restored.code, 0, restored.stderr);
    const aside = /kept as (\S+)\n/.exec(restored.stdout)?.[1];
    assert.match(aside ?? '', /\/gazette\.sqlite\.before-restore-\d{8}T\d{6}Z$/);
    assert.deepEqual(articleSlugs(aside!), ['after-the-backup'], 'the file kept aside holds what was only in the WAL');
    assert.deepEqual(articleSlugs(s.database), [], 'the restored database is the backup');
    assert.deepEqual(
      readdirSync(s.dataDir)
        .filter((f) => f.startsWith('gazette.sqlite'))
        .sort(),
      ['gazette.sqlite', path.basename(aside!)],
      'no stale -wal or -shm beside the restored file, nothing staged left',
    );
    // And the restored data serves.
    const again = serveInChild(configFile);
    t.after(() => again.child.kill('SIGKILL'));
    await waitUntil(() => /Gazette is serving/.test(again.output()), 'gazette serve to start on the restored data');
  });

  it('restores over a damaged database (often why one restores), keeping the damaged file aside untouched', async (t) => {
    const s = await siteWithBackup(t);
    writeFileSync(s.database, 'overwritten by a runaway script\n'.repeat(300));
    const damaged = readFileSync(s.database);
    const run = await runGazette(['restore', s.backup], s.env);
    assert.equal(run.code, 0, run.stderr);
    const aside = /kept as (\S+)\n/.exec(run.stdout)?.[1];
    assert.ok(aside && readFileSync(aside).equals(damaged), 'the damaged file is kept as it was');
    assert.deepEqual(articleSlugs(s.database), [], 'the restored database opens');
  });

  /** Each refusal is one line naming the file and what to do, and leaves the database as it was. */
  async function assertRefused(t: TestContext, makeBad: (dir: string, backup: string) => string, pattern: RegExp): Promise<void> {
    const s = await siteWithBackup(t);
    const bad = makeBad(s.dir, s.backup);
    const before = readFileSync(s.database);
    assertOneLineRefusal(await runGazette(['restore', bad], s.env), pattern);
    assert.ok(readFileSync(s.database).equals(before), 'the database is unchanged');
    assert.deepEqual(
      readdirSync(s.dataDir).filter((f) => f.includes('restor')),
      [],
      'nothing staged or kept aside',
    );
  }

  it('refuses a file that is not a SQLite database', async (t) => {
    await assertRefused(
      t,
      (dir) => {
        writeFileSync(path.join(dir, 'notes.txt'), 'SQLite? no, a shopping list\n'.repeat(200));
        return path.join(dir, 'notes.txt');
      },
      /^gazette restore: \S+\/notes\.txt is not a SQLite database: choose a file made by `gazette backup`\.$/,
    );
  });

  it("refuses a SQLite database that is not Gazette's", async (t) => {
    await assertRefused(
      t,
      (dir) => {
        const other = new SqliteDatabase(path.join(dir, 'other.sqlite'));
        other.exec('create table recipes (name text)');
        other.close();
        return path.join(dir, 'other.sqlite');
      },
      /^gazette restore: \S+\/other\.sqlite is a SQLite database but not Gazette's \(no kysely_migration, subscribers, deliveries table\): choose a file made by `gazette backup`\.$/,
    );
  });

  it('refuses a damaged backup (pages overwritten)', async (t) => {
    await assertRefused(
      t,
      (dir, backup) => {
        const damaged = path.join(dir, 'damaged.sqlite');
        copyFileSync(backup, damaged);
        const fd = openSync(damaged, 'r+');
        // Pages 3 to 12 (4 KiB each) overwritten: tables' b-tree pages, not the header.
        writeSync(fd, Buffer.alloc(40_960, 0x5a), 0, 40_960, 8192);
        closeSync(fd);
        return damaged;
      },
      /^gazette restore: \S+\/damaged\.sqlite (fails SQLite's integrity check|is a damaged SQLite database) \(.+\): use another backup\.$/,
    );
  });

  it('refuses a backup a newer Gazette made (a migration this version does not know)', async (t) => {
    await assertRefused(
      t,
      (dir, backup) => {
        const newer = path.join(dir, 'newer.sqlite');
        copyFileSync(backup, newer);
        const db = new SqliteDatabase(newer);
        db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('999_from_the_future', new Date().toISOString());
        db.close();
        return newer;
      },
      /^gazette restore: \S+\/newer\.sqlite was made by a newer Gazette \(migration 999_from_the_future is unknown to this version\): restore it with that version\.$/,
    );
  });

  it('refuses a file that does not exist, and no file at all', async (t) => {
    const s = site(t);
    assertOneLineRefusal(
      await runGazette(['restore', path.join(s.dir, 'nowhere.sqlite')], s.env),
      /^gazette restore: There is no file \S+\/nowhere\.sqlite to restore: give the path of a file made by `gazette backup`\.$/,
    );
    assertOneLineRefusal(await runGazette(['restore'], s.env), /^gazette restore: Say which backup to restore: gazette restore FILE/);
  });
});
