import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/database.ts';
import { TEST_SECRET } from './test-config.ts';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli.ts');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface GazetteInstance {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Where it listens, as its start-up line says (`http://127.0.0.1:PORT`). */
  readonly url: string;
}

/**
 * Starts `gazette serve` (the real CLI, HTTP, scheduler and delivery worker) in a child process
 * with a data directory of its own and the shared settings given, and resolves once it serves.
 * Its SMTP client introduces itself (EHLO) as `name`, so a sink can tell who sent what.
 */
export async function startInstance(
  dir: string,
  name: string,
  settings: { databaseUrl: string; smtpUrl: string; seedsDir: string; mail?: { [key: string]: Json } },
): Promise<GazetteInstance> {
  const dataDir = path.join(dir, name);
  mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dataDir, 'gazette.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      site: { baseUrl: 'https://news.example.com' },
      server: { port: 0 },
      paths: { dataDir, seedsDir: settings.seedsDir },
      database: { url: settings.databaseUrl },
      secret: TEST_SECRET,
      mail: { smtpUrl: `${settings.smtpUrl}/?name=${name}`, ...settings.mail },
      // Only the start-up scan and catch-up run: the test makes the editions itself.
      scheduler: { enabled: true, scan: '0 0 1 1 *', embargo: '0 0 1 1 *', instant: '0 0 1 1 *' },
      log: { level: 'info' },
    }),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
    env: { ...process.env, GAZETTE_CONFIG: configFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const listening = /Gazette is serving .*\(listening on (http:\/\/[^)\s]+)\)/.exec(output);
      if (listening) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(listening[1]!);
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`${name} exited with ${code} before serving:\n${output}`)));
  });
  return { name, child, exited, url };
}

/** Inserts `count` confirmed subscribers of `frequency` in a few statements; returns their addresses. */
export async function insertReaders(db: Kysely<Database>, count: number, frequency: 'daily' | 'weekly'): Promise<string[]> {
  const at = '2025-09-01T00:00:00.000Z';
  const emails = Array.from({ length: count }, (_, i) => `reader-${String(i).padStart(5, '0')}@example.org`);
  for (let i = 0; i < count; i += 500) {
    const rows = emails.slice(i, i + 500).map((email) => ({
      id: `sub-${email}`,
      email,
      email_key: email,
      name: null,
      frequency,
      status: 'confirmed' as const,
      created_at: at,
      updated_at: at,
      confirmed_at: at,
      unsubscribed_at: null,
      bounced_at: null,
      consent_at: at,
      consent_ip: null,
      consent_user_agent: null,
      consent_source: 'test',
      consent_text: null,
    }));
    await db.insertInto('subscribers').values(rows).execute();
  }
  return emails;
}
