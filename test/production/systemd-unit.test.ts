import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig, projectRoot } from '../../src/config/load-config.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const UNIT = path.join(projectRoot, 'deploy/systemd/gazette.service');
const run = promisify(execFile);
const systemdAnalyze = (process.env.PATH ?? '')
  .split(path.delimiter)
  .map((dir) => path.join(dir, 'systemd-analyze'))
  .find((file) => existsSync(file));
const skip = systemdAnalyze ? false : 'systemd-analyze is not installed here (Debian package systemd): the unit is not checked';

/**
 * The shipped unit in a temporary directory, its Node path pointed at this Node: `verify` checks
 * that ExecStart's program exists, and where Node lives is the one line an operator may change.
 */
function copyOfUnit(t: TestContext): string {
  const shipped = readFileSync(UNIT, 'utf8');
  assert.equal(shipped.split('ExecStart=/usr/bin/node ').length - 1, 1);
  const file = path.join(makeTempDir(t, 'gazette-unit-'), 'gazette.service');
  writeFileSync(file, shipped.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  return file;
}

function setting(unit: string, key: string): string[] {
  return [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);
}

describe('deploy/systemd/gazette.service', () => {
  it('passes systemd-analyze verify without a warning', { skip }, async (t) => {
    const { stdout, stderr } = await run(systemdAnalyze!, ['verify', copyOfUnit(t)]);
    assert.equal(`${stdout}${stderr}`, '', 'no unknown key, bad value or missing program');
  });

  it('scores "OK" or better in systemd-analyze security (offline)', { skip }, async (t) => {
    const { stdout } = await run(systemdAnalyze!, ['security', '--offline=true', '--no-pager', copyOfUnit(t)]);
    const score = /Overall exposure level for gazette\.service: ([\d.]+) (\w+)/.exec(stdout);
    assert.ok(score, stdout);
    t.diagnostic(`systemd-analyze security: ${score[1]} ${score[2]}`);
    assert.ok(Number(score[1]) <= 2, `exposure ${score[1]} ${score[2]} (1.4 when written); the worst lines:\n${stdout}`);
  });

  it("gives Gazette's shutdown deadline time to pass before systemd kills it", () => {
    const unit = readFileSync(UNIT, 'utf8');
    assert.deepEqual(setting(unit, 'KillSignal'), ['SIGTERM']);
    const [stop] = setting(unit, 'TimeoutStopSec');
    const stopMs = Number(/^(\d+)s$/.exec(stop ?? '')?.[1]) * 1000;
    assert.ok(stopMs > loadConfig().server.shutdownTimeoutMs, `TimeoutStopSec=${stop} is above server.shutdownTimeoutMs`);
    assert.deepEqual(setting(unit, 'Restart'), ['on-failure']);
    assert.deepEqual(setting(unit, 'ReadWritePaths'), setting(unit, 'Environment=GAZETTE_DATA_DIR'), 'it may write its data directory');
  });
});
