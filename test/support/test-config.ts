import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { Config } from '../../src/config/config.schema.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { makeTempDir } from './temp-dir.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface TestConfig {
  config: Config;
  dir: string;
  seedsDir: string;
  dataDir: string;
}

/**
 * A validated config over a fresh temporary data and seeds directory, HTTP on port 0, quiet
 * logs, and no scheduler (tests drive jobs with their own clock). The environment is not read.
 */
export function makeTestConfig(t: TestContext | { after(fn: () => void): void }, overrides: { [key: string]: Json } = {}): TestConfig {
  const dir = makeTempDir(t);
  const seedsDir = path.join(dir, 'seeds');
  const dataDir = path.join(dir, 'data');
  mkdirSync(seedsDir);
  const base: { [key: string]: Json } = {
    site: { baseUrl: 'https://news.example.com', timezone: 'Europe/London' },
    server: { port: 0, host: '127.0.0.1' },
    paths: { seedsDir, dataDir },
    scheduler: { enabled: false },
    log: { level: 'silent' },
  };
  const merged = merge(base, overrides);
  // PostgreSQL means several instances may share the list, so the config requires a shared secret.
  if (isPostgres(merged) && merged.secret === undefined) merged.secret = TEST_SECRET;
  const config = loadConfig({ env: {}, overrides: merged });
  return { config, dir, seedsDir, dataDir };
}

export interface TestConfigFile {
  configFile: string;
  config: Config;
  dir: string;
}

/**
 * The same as a file, for tests that start `gazette` in a child process (`--config FILE` or
 * GAZETTE_CONFIG): data and seeds in a fresh temporary directory, quiet logs, plus `settings`.
 * Returns the config loaded from that file, as the child will load it.
 */
export function writeTestConfigFile(
  t: TestContext | { after(fn: () => void): void },
  settings: { [key: string]: Json } = {},
): TestConfigFile {
  const dir = makeTempDir(t);
  const configFile = path.join(dir, 'gazette.json');
  const base: { [key: string]: Json } = {
    paths: { dataDir: path.join(dir, 'data'), seedsDir: path.join(dir, 'seeds') },
    log: { level: 'silent' },
  };
  writeFileSync(configFile, JSON.stringify(merge(base, settings)));
  return { configFile, config: loadConfig({ env: { GAZETTE_CONFIG: configFile } }), dir };
}

/** The link-signing secret tests give every instance of a PostgreSQL test (config requires one there). */
export const TEST_SECRET = 'test-secret-shared-by-every-instance-0123456789';

function isPostgres(config: { [key: string]: Json }): boolean {
  const database = config.database;
  return isObj(database) && typeof database.url === 'string' && database.url.startsWith('postgres');
}

function merge(a: { [key: string]: Json }, b: { [key: string]: Json }): { [key: string]: Json } {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isObj(cur) && isObj(v) ? merge(cur, v) : v;
  }
  return out;
}

function isObj(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
