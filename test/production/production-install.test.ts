import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/config/load-config.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { TEST_SECRET } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';

const run = promisify(execFile);

/**
 * The operator's shell: the environment less the `npm_*` variables `npm test` sets (an operator's
 * `npm ci` must not inherit this run's lifecycle settings, such as its prefix). HOME stays, so
 * npm finds its cache and ~/.npmrc, and so does npm_config_nodedir when set (the headers node-gyp
 * builds better-sqlite3 against: scripts/test-on-node.sh sets it for another Node).
 */
function operatorEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept = (name: string): boolean => !name.toLowerCase().startsWith('npm_') || name.toLowerCase() === 'npm_config_nodedir';
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => kept(name)));
  return { ...env, ...extra };
}

// npm ci compiles better-sqlite3 from source (no prebuilt binary can be fetched here): minutes on
// a loaded two-core machine. The ceiling is there so a hung install fails rather than stalls.
test(
  'a production install: npm pack, npm ci --omit=dev in an empty directory (no tsx, no esbuild), node bin/gazette.js serve serves, SIGTERM stops it cleanly',
  { timeout: 20 * 60_000 },
  async (t) => {
    const dir = makeTempDir(t, 'gazette-production-');
    const appDir = path.join(dir, 'app');
    mkdirSync(appDir);

    // What the operator does on the build machine: pack the release (prepare compiles dist/).
    await run('npm', ['pack', '--pack-destination', dir], { cwd: projectRoot, env: operatorEnv(), maxBuffer: 64 * 1024 * 1024 });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    assert.equal(existsSync(path.join(projectRoot, 'npm-shrinkwrap.json')), false, 'postpack removed the shrinkwrap copy');

    // On the server: unpack, install the production dependencies exactly as locked.
    await run('tar', ['-xzf', path.join(dir, tarball), '-C', appDir, '--strip-components=1']);
    assert.ok(existsSync(path.join(appDir, 'dist/cli.js')), 'the package carries the compiled code');
    assert.ok(existsSync(path.join(appDir, 'npm-shrinkwrap.json')), 'the package carries the lockfile');
    assert.equal(existsSync(path.join(appDir, 'src')), false, 'the package carries no TypeScript source');
    await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: appDir,
      env: operatorEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    // (typescript may be there: cosmiconfig, under mjml, has it as an optional peer, which npm installs.)
    for (const devOnly of ['tsx', 'esbuild', '@esbuild', '.bin/tsx', '.bin/esbuild'])
      assert.equal(existsSync(path.join(appDir, 'node_modules', devOnly)), false, `node_modules/${devOnly} is not installed`);
    assert.ok(existsSync(path.join(appDir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), 'better-sqlite3 was built');

    const seedsDir = path.join(dir, 'seeds');
    writeArticle(seedsDir, { slug: 'production-install-article', date: '2 March 2025' });
    const configFile = path.join(dir, 'gazette.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        site: { baseUrl: 'https://news.example.com' },
        server: { port: 0, host: '127.0.0.1' },
        paths: { dataDir: path.join(dir, 'data'), seedsDir },
        secret: TEST_SECRET,
        log: { level: 'info' },
      }),
    );

    // The documented production start, as a service manager runs it: node on the bin, no npm in
    // between (npm does not pass SIGTERM on to the service: it dies and leaves the service running).
    const child = spawn(process.execPath, ['bin/gazette.js', 'serve'], {
      cwd: appDir,
      env: operatorEnv({ GAZETTE_CONFIG: configFile }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    const url = await waitUntil(
      () => /\(listening on (http:\/\/[^)\s]+)\)/.exec(output)?.[1] ?? (child.exitCode === null ? undefined : 'exited'),
      'the start-up line',
    );
    assert.notEqual(url, 'exited', `gazette serve exited before serving:\n${output}`);
    assert.doesNotMatch(output, /tsx|esbuild/, 'nothing in the run mentions tsx or esbuild');
    await waitUntil(async () => (await fetch(`${url}/healthz`)).status === 200, '200 on /healthz');
    const feed = await waitUntil(async () => {
      const body = await (await fetch(`${url}/feed.xml`)).text();
      return body.includes('/articles/production-install-article') ? body : undefined;
    }, 'the article in /feed.xml');
    assert.match(feed, /<title>Production install article<\/title>/);

    child.kill('SIGTERM');
    const { code, signal } = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, `gazette serve ends with 0 on SIGTERM:\n${output}`);
    assert.match(output, /stopped|shut/i, 'the service says it stopped');
  },
);
