import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, projectRoot } from '../../src/config/load-config.ts';

const read = (file: string) => readFileSync(path.join(projectRoot, 'deploy', file), 'utf8');

/** The environment the unit gives Gazette (its Environment= lines). */
function unitEnvironment(): Record<string, string> {
  const lines = [...read('systemd/gazette.service').matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)];
  return Object.fromEntries(lines.map((m) => [m[1]!, m[2]!]));
}

describe('deploy/: the example settings, the systemd unit and the nginx configuration agree', () => {
  it('deploy/gazette.json loads as the unit loads it, with an https base URL and trustProxy limited to nginx on loopback', () => {
    const env = { ...unitEnvironment(), GAZETTE_CONFIG: path.join(projectRoot, 'deploy/gazette.json') };
    const config = loadConfig({ env });
    assert.match(config.site.baseUrl, /^https:\/\//, 'HSTS and https links need an https base URL');
    assert.equal(config.server.trustProxy, 'loopback');
    assert.equal(config.paths.dataDir, '/var/lib/gazette');
    const unit = read('systemd/gazette.service');
    assert.match(unit, /^ReadWritePaths=\/var\/lib\/gazette$/m, 'the unit lets it write its data directory');
    assert.match(unit, /^Environment=GAZETTE_CONFIG=\/etc\/gazette\/gazette\.json$/m, 'the README installs deploy/gazette.json there');
  });

  it('nginx proxies to the address Gazette listens on, for the host of its base URL', () => {
    const config = loadConfig({ env: { GAZETTE_CONFIG: path.join(projectRoot, 'deploy/gazette.json') } });
    const nginx = read('nginx/gazette.conf');
    assert.match(nginx, new RegExp(`^\\s*server ${config.server.host}:${config.server.port};`, 'm'));
    const host = new URL(config.site.baseUrl).hostname;
    assert.equal(nginx.split(`server_name ${host};`).length - 1, 2);
  });
});
