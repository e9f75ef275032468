import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findFreePort } from '../support/browser-gazette.ts';
import { mountTmpfs } from '../support/mounts.ts';
import { assertOneLineRefusal, runGazette } from '../support/run-gazette.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { POSTGRES_BASE_URL } from '../support/test-database.ts';
import { TEST_SECRET } from '../support/test-config.ts';

/** A data and a seeds directory that would start fine; each test breaks one thing. */
function startableEnv(t: { after(fn: () => void): void }): { dir: string; env: Record<string, string> } {
  const dir = makeTempDir(t);
  mkdirSync(path.join(dir, 'seeds'));
  return {
    dir,
    env: {
      GAZETTE_DATA_DIR: path.join(dir, 'data'),
      GAZETTE_SEEDS_DIR: path.join(dir, 'seeds'),
      GAZETTE_PORT: '0',
      GAZETTE_LOG_LEVEL: 'info',
    },
  };
}

describe('gazette serve refuses to start with one line naming the setting and the fix', () => {
  it('when the data directory is a file', async (t) => {
    const { dir, env } = startableEnv(t);
    writeFileSync(path.join(dir, 'data'), 'not a directory');
    assertOneLineRefusal(
      await runGazette(['serve'], env),
      /^gazette serve: .*\/data is a file, not a directory: set paths\.dataDir \(GAZETTE_DATA_DIR\)/,
    );
  });

  it('when the data directory is on a read-only filesystem (a read-only tmpfs mounted for the test)', async (t) => {
    const { env } = startableEnv(t);
    const readOnly = mountTmpfs(t, { sizeKb: 1024, readOnly: true });
    const run = await runGazette(['serve'], { ...env, GAZETTE_DATA_DIR: readOnly });
    assertOneLineRefusal(run, /^gazette serve: Cannot write the database .*\/gazette\.sqlite .*paths\.dataDir \(GAZETTE_DATA_DIR\)/);
  });

  it('when the port is in use', async (t) => {
    const { env } = startableEnv(t);
    const port = await findFreePort();
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(port, '127.0.0.1', resolve));
    t.after(() => other.close());
    assertOneLineRefusal(
      await runGazette(['serve'], { ...env, GAZETTE_PORT: String(port) }),
      new RegExp(`^gazette serve: Port ${port} on 127\\.0\\.0\\.1 is already in use: .*server\\.port \\(GAZETTE_PORT\\)`),
    );
  });

  it('when PostgreSQL does not answer', async (t) => {
    const { env } = startableEnv(t);
    const url = `postgres://postgres@127.0.0.1:${await findFreePort()}/test`;
    assertOneLineRefusal(
      await runGazette(['serve'], { ...env, DATABASE_URL: url, GAZETTE_SECRET: TEST_SECRET }),
      /^gazette serve: PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/test is unreachable \(.*ECONNREFUSED.*\): start it, or fix .* database\.url \(DATABASE_URL\)/,
    );
  });

  it('when PostgreSQL accepts the connection and never answers (after the 10 s connection timeout)', async (t) => {
    const { env } = startableEnv(t);
    // A real server that takes the connection and says nothing (a hung host, a wrong service).
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      silent.close();
      for (const socket of sockets) socket.destroy();
    });
    const url = `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/test`;
    assertOneLineRefusal(
      await runGazette(['serve'], { ...env, DATABASE_URL: url, GAZETTE_SECRET: TEST_SECRET }),
      /^gazette serve: PostgreSQL at .* is unreachable \(.*timeout.*\): start it, or fix .* database\.url \(DATABASE_URL\)/,
    );
  });

  it('when PostgreSQL refuses the credentials', async (t) => {
    const { env } = startableEnv(t);
    const url = POSTGRES_BASE_URL.replace('postgres@', 'nobody_here:wrong@');
    const run = await runGazette(['serve'], { ...env, DATABASE_URL: url, GAZETTE_SECRET: TEST_SECRET });
    assertOneLineRefusal(
      run,
      /^gazette serve: PostgreSQL at postgres:\/\/nobody_here@127\.0\.0\.1:5432\/test refused the credentials \(.*nobody_here.*\): fix the user and password in database\.url \(DATABASE_URL\)/,
    );
  });

  it('when the seeds directory does not exist (it refuses rather than start an empty site)', async (t) => {
    const { dir, env } = startableEnv(t);
    const run = await runGazette(['serve'], { ...env, GAZETTE_SEEDS_DIR: path.join(dir, 'no-such-seeds') });
    assertOneLineRefusal(
      run,
      /^gazette serve: The seeds directory .*\/no-such-seeds does not exist: create it or set paths\.seedsDir \(GAZETTE_SEEDS_DIR\)/,
    );
  });
});
