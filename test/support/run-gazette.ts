import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/config/load-config.ts';
import { GAZETTE_BIN } from './gazette-bin.ts';

export interface GazetteRun {
  /** The exit code; null when the process was still running at the timeout and was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the installed `gazette` bin (bin/gazette.js, the compiled code) with only PATH and `env` in its environment.
 * A command that does not end within `timeoutMs` (a server that started when it should have
 * refused) is killed and reported with code null.
 */
export function runGazette(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<GazetteRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [GAZETTE_BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The operator's rule: a non-zero exit and exactly one line on stderr, matching `pattern`, no stack trace anywhere. */
export function assertOneLineRefusal(run: GazetteRun, pattern: RegExp): void {
  assert.notEqual(run.code, null, `gazette did not stop by itself; stderr: ${run.stderr}`);
  assert.notEqual(run.code, 0, 'gazette exits non-zero');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(`${run.stdout}\n${run.stderr}`, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

/** `gazette serve --config FILE` in a child process (through tsx), with everything it prints kept. */
export function serveInChild(configFile: string): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), 'serve', '--config', configFile], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}
