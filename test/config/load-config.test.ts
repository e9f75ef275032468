import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { makeTempDir } from '../support/temp-dir.ts';

describe('loadConfig', () => {
  it('loads the defaults, frozen', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.site.title, 'Gazette');
    assert.ok(path.isAbsolute(config.paths.seedsDir));
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.site));
  });

  it('applies GAZETTE_CONFIG, then the environment', (t) => {
    const dir = makeTempDir(t);
    const file = path.join(dir, 'gazette.json');
    writeFileSync(file, JSON.stringify({ site: { title: 'From file' }, paths: { dataDir: 'relative-data' }, server: { port: 9000 } }));
    const config = loadConfig({
      env: {
        GAZETTE_CONFIG: file,
        GAZETTE_PORT: '9100',
        GAZETTE_BASE_URL: 'https://news.example.com/',
        GAZETTE_ADMIN_TOKEN: 'x'.repeat(20),
        DATABASE_URL: 'postgres://localhost/test',
        GAZETTE_SECRET: 's'.repeat(32),
        GAZETTE_SMTP_URL: 'smtp://127.0.0.1:2525',
      },
    });
    assert.equal(config.site.title, 'From file');
    assert.equal(config.server.port, 9100);
    assert.equal(config.site.baseUrl, 'https://news.example.com');
    assert.equal(config.paths.dataDir, path.join(dir, 'relative-data'), 'paths are relative to the file that sets them');
    assert.equal(config.admin.token, 'x'.repeat(20));
    assert.equal(config.database.url, 'postgres://localhost/test');
    assert.equal(config.mail.smtpUrl, 'smtp://127.0.0.1:2525');
  });

  it('lists every invalid value at once, naming the key and what was expected', () => {
    assert.throws(
      () =>
        loadConfig({
          env: { GAZETTE_PORT: 'eighty', GAZETTE_BASE_URL: 'news.example.com', GAZETTE_TIMEZONE: 'Mars/Olympus', GAZETTE_TYPO: '1' },
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.problems.join('\n');
        assert.match(text, /server\.port/);
        assert.match(text, /site\.baseUrl: expected an absolute http\(s\) URL/);
        assert.match(text, /site\.timezone: expected an IANA timezone/);
        assert.match(text, /GAZETTE_TYPO: unknown environment variable/);
        return true;
      },
    );
  });

  it('refuses PostgreSQL without a shared link-signing secret, and says to set GAZETTE_SECRET', () => {
    assert.throws(
      () => loadConfig({ env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' } }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 1);
        assert.match(error.problems[0]!, /^secret: .*GAZETTE_SECRET/);
        return true;
      },
    );
    assert.equal(
      loadConfig({ env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', GAZETTE_SECRET: 's'.repeat(32) } }).secret,
      's'.repeat(32),
    );
    assert.equal(loadConfig({ env: {} }).secret, null, 'SQLite: one instance, a generated secret is fine');
  });

  it('rejects unknown keys in a config file', (t) => {
    const dir = makeTempDir(t);
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ site: { titel: 'typo' } }));
    assert.throws(() => loadConfig({ env: { GAZETTE_CONFIG: file } }), /titel/);
  });

  it('refuses a cron expression that the ticker reads but the calendar does not, naming the setting', (t) => {
    const dir = makeTempDir(t);
    const file = path.join(dir, 'c.json');
    // node-cron accepts the backwards range "7-1"; croner (next and previous firings) refuses it.
    writeFileSync(file, JSON.stringify({ scheduler: { weekly: '0 7 * * 7-1', daily: '0 0 31 2 *' } }));
    assert.throws(
      () => loadConfig({ env: { GAZETTE_CONFIG: file } }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems.map((p) => p.split(':')[0]).sort(), ['scheduler.daily', 'scheduler.weekly']);
        for (const problem of error.problems) assert.match(problem, /a cron expression such as/);
        return true;
      },
    );
  });

  it('reads the bounce mailbox from GAZETTE_BOUNCES_IMAP_URL with defaults, and lists what a mailbox setting lacks', (t) => {
    assert.equal(loadConfig({ env: {} }).bounces.imap, null, 'no mailbox by default');
    const fromEnv = loadConfig({ env: { GAZETTE_BOUNCES_IMAP_URL: 'imaps://bounces%40example.com:pw@imap.example.com' } });
    assert.deepEqual(fromEnv.bounces.imap, {
      url: 'imaps://bounces%40example.com:pw@imap.example.com',
      mailbox: 'INBOX',
      processedMailbox: 'Processed',
      pollSeconds: 60,
    });

    const dir = makeTempDir(t);
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ bounces: { imap: { port: 993, pollSeconds: 1 } } }));
    assert.throws(
      () => loadConfig({ env: { GAZETTE_CONFIG: file } }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems.map((p) => p.split(':')[0]).sort(), [
          'bounces.imap.host',
          'bounces.imap.password',
          'bounces.imap.pollSeconds',
          'bounces.imap.user',
        ]);
        return true;
      },
    );
  });
});
