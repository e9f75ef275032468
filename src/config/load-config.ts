import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, type Config } from './config.schema.ts';

/** The folder that holds config/default.json, templates/ and seeds/ in a checkout. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Environment variables Gazette reads. The rule: `GAZETTE_` + the setting's name in
 * upper snake case; `DATABASE_URL` keeps the name every hosting platform uses.
 */
export const environmentVariables: Readonly<Record<string, { key: string; kind: 'string' | 'number' }>> = {
  GAZETTE_PORT: { key: 'server.port', kind: 'number' },
  GAZETTE_HOST: { key: 'server.host', kind: 'string' },
  GAZETTE_BASE_URL: { key: 'site.baseUrl', kind: 'string' },
  GAZETTE_TIMEZONE: { key: 'site.timezone', kind: 'string' },
  GAZETTE_DATA_DIR: { key: 'paths.dataDir', kind: 'string' },
  GAZETTE_SEEDS_DIR: { key: 'paths.seedsDir', kind: 'string' },
  GAZETTE_TEMPLATES_DIR: { key: 'paths.templatesDir', kind: 'string' },
  GAZETTE_SMTP_URL: { key: 'mail.smtpUrl', kind: 'string' },
  GAZETTE_ADMIN_TOKEN: { key: 'admin.token', kind: 'string' },
  GAZETTE_SECRET: { key: 'secret', kind: 'string' },
  GAZETTE_LOG_LEVEL: { key: 'log.level', kind: 'string' },
  DATABASE_URL: { key: 'database.url', kind: 'string' },
  GAZETTE_BOUNCES_IMAP_URL: { key: 'bounces.imap.url', kind: 'string' },
  GAZETTE_METRICS_LISTEN: { key: 'metrics.listen', kind: 'string' },
  GAZETTE_METRICS_TOKEN: { key: 'metrics.token', kind: 'string' },
};

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface LoadConfigOptions {
  /** The environment to read; only the composition root passes process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Settings applied last, above everything else (tests, CLI flags). */
  overrides?: JsonObject;
  /** Folder holding default.json and local.json. */
  configDir?: string;
}

const PATH_KEYS = ['dataDir', 'seedsDir', 'templatesDir'] as const;

/** Reads config/default.json, config/local.json, $GAZETTE_CONFIG and the environment, in that order; validates once; freezes. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? {};
  const configDir = options.configDir ?? path.join(projectRoot, 'config');
  const problems: string[] = [];
  const layers: { source: string; baseDir: string; data: JsonObject }[] = [];

  const readLayer = (file: string, required: boolean): void => {
    if (!existsSync(file)) {
      if (required) problems.push(`${file}: file not found`);
      return;
    }
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as Json;
      if (!isObject(data)) throw new Error('the top level must be a JSON object');
      layers.push({ source: file, baseDir: path.dirname(path.resolve(file)), data });
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  };

  readLayer(path.join(configDir, 'default.json'), true);
  // default.json's relative paths are relative to the checkout, not to config/.
  if (layers[0]) layers[0].baseDir = path.dirname(configDir);
  readLayer(path.join(configDir, 'local.json'), false);
  if (env.GAZETTE_CONFIG) readLayer(path.resolve(env.GAZETTE_CONFIG), true);

  const fromEnv: JsonObject = {};
  for (const [name, { key, kind }] of Object.entries(environmentVariables)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = kind === 'number' && /^\d+$/.test(raw) ? Number(raw) : raw;
    setPath(fromEnv, key.split('.'), value);
  }
  const unknown = Object.keys(env).filter((n) => n.startsWith('GAZETTE_') && n !== 'GAZETTE_CONFIG' && !(n in environmentVariables));
  for (const name of unknown)
    problems.push(`${name}: unknown environment variable (known: GAZETTE_CONFIG, ${Object.keys(environmentVariables).join(', ')})`);
  layers.push({ source: 'environment', baseDir: process.cwd(), data: fromEnv });
  if (options.overrides) layers.push({ source: 'overrides', baseDir: process.cwd(), data: options.overrides });

  let merged: JsonObject = {};
  for (const layer of layers) {
    const data = structuredClone(layer.data);
    const paths = data.paths;
    if (isObject(paths)) {
      for (const key of PATH_KEYS) {
        const value = paths[key];
        if (typeof value === 'string') paths[key] = path.resolve(layer.baseDir, value);
      }
    }
    merged = deepMerge(merged, data);
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.') || '(top level)';
      const got = getPath(merged, issue.path.map(String));
      const shown = got === undefined ? 'nothing' : JSON.stringify(got);
      problems.push(`${key}: expected ${issue.message.replace(/^Invalid input: expected /, '')} (got ${shown})`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError([...new Set(problems)]);
  return deepFreeze(parsed.data);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: JsonObject, top: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function setPath(target: JsonObject, keys: string[], value: Json): void {
  let node = target;
  keys.slice(0, -1).forEach((k) => {
    const next = node[k];
    node = isObject(next) ? next : (node[k] = {});
  });
  node[keys[keys.length - 1]!] = value;
}

function getPath(source: Json, keys: string[]): Json | undefined {
  let node: Json | undefined = source;
  for (const k of keys) node = isObject(node) ? node[k] : undefined;
  return node;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
