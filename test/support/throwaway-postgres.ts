import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from './browser-gazette.ts';

const run = promisify(execFile);

/** A PostgreSQL server of a test's own: stopped and started at will, never the shared one on 5432. */
export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication, loopback only). */
  readonly url: string;
  readonly port: number;
  /** Stops the server (fast shutdown: clients are disconnected) and waits until it is down. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, and waits until it accepts connections. */
  start(): Promise<void>;
}

/** Debian's PostgreSQL binaries (the newest installed version). */
function postgresBinDir(): string {
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0)
    throw new Error('No PostgreSQL under /usr/lib/postgresql: install the postgresql package (scripts/ensure-services.sh does).');
  return path.join('/usr/lib/postgresql', versions[0]!, 'bin');
}

/** Runs a PostgreSQL program as the `postgres` OS user: the server refuses to run as root. */
async function asPostgres(program: string, args: string[]): Promise<void> {
  try {
    await run('runuser', ['-u', 'postgres', '--', path.join(postgresBinDir(), program), ...args]);
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${e.stderr || e.message}`, { cause: error });
  }
}

/**
 * A fresh cluster in a temporary directory (initdb), started on a free loopback port with
 * pg_ctl; stopped and removed when the test ends. Durability is off (fsync): it lives for
 * one test. Needs root, like the test setup, to run the server as the `postgres` user.
 */
export async function startThrowawayPostgres(t: { after(fn: () => Promise<void> | void): void }): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-pg-'));
  chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
  const data = path.join(dir, 'data');
  const port = await findFreePort();
  let running = false;
  t.after(async () => {
    if (running) await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions']);
  const server = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
      await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '120', 'start']);
      running = true;
    },
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '120', 'stop']);
      running = false;
    },
  };
  await server.start();
  return server;
}
