import { execFile, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

export const WRK = '/usr/bin/wrk';

/** Installs wrk, nginx-light and postfix from Debian when missing (bench/ensure-bench-tools.sh); throws if it cannot. */
export function ensureBenchTools(): void {
  const script = fileURLToPath(new URL('../ensure-bench-tools.sh', import.meta.url));
  const result = spawnSync('bash', [script], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('bench/ensure-bench-tools.sh failed: the ceiling benchmark needs wrk, nginx and postfix');
}

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  /** Bytes read per response, headers included: tells a 304 (a few hundred) from a body. */
  bytesPerResponse: number;
  p99Ms: number;
  timeouts: number;
  /** Connect, read and write errors plus answers that were neither 2xx nor 3xx. */
  errors: number;
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const SIZES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Parses wrk's report (run with --latency). */
export function parseWrk(output: string): WrkResult {
  const number = (re: RegExp): number => {
    const m = re.exec(output);
    if (!m) throw new Error(`wrk output without ${re}:\n${output}`);
    return Number(m[1]);
  };
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  const read = /(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read/.exec(output);
  if (!p99 || !read) throw new Error(`unexpected wrk output:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const requests = Number(read[1]);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    requests,
    bytesPerResponse: requests === 0 ? 0 : (Number(read[2]) * SIZES[read[3]!]!) / requests,
    p99Ms: Number(p99[1]) * UNITS[p99[2]!]!,
    timeouts: socket ? Number(socket[4]) : 0,
    errors: (socket ? Number(socket[1]) + Number(socket[2]) + Number(socket[3]) : 0) + (non2xx ? Number(non2xx[1]) : 0),
  };
}

/**
 * One wrk run: two threads (one per core of the machines this runs on), `connections` keep-alive
 * connections, `headers` on every request (wrk's -H sets them on wrk.headers, the same table a
 * Lua script would fill).
 */
export function runWrk(
  url: string,
  options: { connections: number; seconds: number; headers: Record<string, string> },
): Promise<WrkResult> {
  const args = ['-t2', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', '--timeout', '2s'];
  for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  return new Promise((resolve, reject) =>
    execFile(WRK, args, { timeout: (options.seconds + 30) * 1000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`wrk ${args.join(' ')}: ${error.message}\n${stderr}`));
      else {
        try {
          resolve(parseWrk(stdout));
        } catch (parseError) {
          reject(parseError instanceof Error ? parseError : new Error(String(parseError)));
        }
      }
    }),
  );
}

/** The 1-minute load average, to print beside every figure: on a shared machine it says what the figure is worth. */
export function load(): string {
  return loadavg()[0]!.toFixed(2);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
