import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import express from 'express';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { runGazette } from '../support/run-gazette.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const ACCEPTED = ['loopback', 'loopback, uniquelocal', '127.0.0.1', '10.0.0.0/8', '10.0.0.0/255.255.240.0', '::1', 'fd00::/8, 192.0.2.7'];
// Each of these made Express throw a TypeError with a stack trace when the app was built.
const REFUSED = ['loopbak', 'true', '10.0.0.0/33', '10.0.0.0/255.0.255.0', '::1/129', 'fd00::/ffff::', 'loopback,', 'nginx.internal'];

function trustProxyError(value: string): string | undefined {
  try {
    loadConfig({ overrides: { server: { trustProxy: value } } });
    return undefined;
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.join('\n');
  }
}

describe('server.trustProxy', () => {
  it('takes what Express takes: range names, addresses and CIDR ranges, separated by commas', () => {
    for (const value of ACCEPTED) {
      assert.equal(trustProxyError(value), undefined, value);
      assert.doesNotThrow(() => express().set('trust proxy', value), value);
    }
    for (const value of [true, false, 1, 0])
      assert.equal(loadConfig({ overrides: { server: { trustProxy: value } } }).server.trustProxy, value);
  });

  it('refuses at load, naming the setting, what Express would only refuse with a stack trace once the app is built', () => {
    for (const value of REFUSED) {
      assert.throws(() => express().set('trust proxy', value), TypeError, `Express refuses ${value}`);
      assert.match(trustProxyError(value) ?? '', /^server\.trustProxy: expected /, value);
    }
    // Express takes "1" as the address 0.0.0.1, trusting no proxy at all: refused too, with the fix.
    assert.match(trustProxyError('1') ?? '', /a number of proxies written without quotes: 1, not "1"/);
    assert.match(trustProxyError('loopbak, 10.0.0.0/33') ?? '', /\("loopbak", "10\.0\.0\.0\/33" are none of these\)/);
  });

  it('gazette serve with a mistyped value refuses to start, naming the setting, without a stack trace', async (t) => {
    const dir = makeTempDir(t);
    mkdirSync(path.join(dir, 'seeds'));
    const configFile = path.join(dir, 'gazette.json');
    writeFileSync(configFile, JSON.stringify({ server: { trustProxy: 'loopbak' } }));
    const run = await runGazette(['serve'], {
      GAZETTE_CONFIG: configFile,
      GAZETTE_DATA_DIR: path.join(dir, 'data'),
      GAZETTE_SEEDS_DIR: path.join(dir, 'seeds'),
      GAZETTE_PORT: '0',
    });
    assert.notEqual(run.code, null, 'it stopped by itself');
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /^gazette serve: Invalid configuration:\n {2}- server\.trustProxy: expected .*\("loopbak" is none of these\)/);
    assert.doesNotMatch(`${run.stdout}\n${run.stderr}`, /TypeError|\n\s+at .+:\d+:\d+/, 'no stack trace');
  });
});
