import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from './browser-gazette.ts';
import { waitUntil } from './wait.ts';

const PROMETHEUS = '/usr/bin/prometheus';

/** Debian's Prometheus, scraping one target every second, with its data in a temporary directory. */
export interface TestPrometheus {
  readonly url: string;
  /** The value of an instant query that returns one series, or undefined when it returns none. */
  query(expr: string): Promise<number | undefined>;
  /** The server's output so far, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(
  t: { after(fn: () => Promise<void> | void): void },
  target: { url: string; bearerToken?: string },
): Promise<TestPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-prometheus-'));
  const { host, pathname } = new URL(target.url);
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: gazette',
      `    metrics_path: ${pathname}`,
      ...(target.bearerToken ? ['    authorization:', `      credentials: ${target.bearerToken}`] : []),
      '    static_configs:',
      `      - targets: ['${host}']`,
      '',
    ].join('\n'),
  );
  const port = await findFreePort();
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  t.after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${output}`);
    return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
  }, 'prometheus to be ready');
  return {
    url,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string; data?: { result: { value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
      const result = body.data!.result;
      if (result.length > 1) throw new Error(`query ${expr} returned ${result.length} series; expected one`);
      return result[0] ? Number(result[0].value[1]) : undefined;
    },
    log: () => output,
    stop,
  };
}
