import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TsChild {
  readonly process: ChildProcess;
  /** Everything the child wrote to stdout so far. */
  readonly stdout: () => string;
  /** Resolves once stdout holds a line matching `pattern` (rejects if the child exits first or `ms` pass). */
  waitForLine(pattern: RegExp, ms?: number): Promise<string>;
  /** SIGTERM, then resolves with what it printed once it has exited. */
  stop(): Promise<string>;
}

/** Runs a TypeScript file of test/support as a real child process (through tsx), stderr passed through. */
export function startTsChild(file: string, args: string[]): TsChild {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), file);
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    stdout: () => out,
    waitForLine(pattern, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line === undefined) return false;
          cleanup();
          resolve(line);
          return true;
        };
        const onExit = (): void => {
          if (!check()) reject(new Error(`${file} exited before printing ${pattern}: ${out}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${file} printed no ${pattern} within ${ms} ms: ${out}`));
        }, ms);
        const cleanup = (): void => {
          clearTimeout(timer);
          child.stdout.off('data', check);
          child.off('exit', onExit);
        };
        if (check()) return;
        child.stdout.on('data', check);
        child.once('exit', onExit);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      return out;
    },
  };
}
