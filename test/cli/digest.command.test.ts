import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/config/load-config.ts';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { writeTestConfigFile } from '../support/test-config.ts';

const run = promisify(execFile);

async function gazetteCli(configFile: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'src/cli.ts', ...args], {
      cwd: projectRoot,
      env: { ...process.env, GAZETTE_CONFIG: configFile },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('gazette digest preview | send [--dry-run] | status and gazette mail test, against a real SMTP server', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { configFile, config } = writeTestConfigFile(t, { site: { baseUrl: 'https://news.example.com' }, mail: { smtpUrl: sink.url } });
  const yesterday = new Date(Date.now() - 24 * 3600_000).toISOString().slice(0, 10);
  writeArticle(config.paths.seedsDir, { slug: 'cli-first-story', date: yesterday });
  writeArticle(config.paths.seedsDir, { slug: 'cli-second-story', date: yesterday });
  const setup = await createGazette(config);
  await setup.core.ingest.run();
  const readers = [
    await insertSubscriber(setup.core.store.db, { frequency: 'weekly' }),
    await insertSubscriber(setup.core.store.db, { frequency: 'weekly' }),
  ];
  await setup.close();

  const preview = await gazetteCli(configFile, 'digest', 'preview', '--frequency', 'weekly');
  assert.equal(preview.code, 0, preview.stderr);
  const htmlFile = /HTML: (.+)$/m.exec(preview.stdout)?.[1];
  assert.ok(htmlFile);
  assert.match(readFileSync(htmlFile, 'utf8'), /Cli second story/);

  const dry = await gazetteCli(configFile, 'digest', 'send', '--frequency', 'weekly', '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would carry 2 articles to 2 subscribers/);
  assert.equal(sink.messages.length, 0);

  const sent = await gazetteCli(configFile, 'digest', 'send', '--frequency', 'weekly');
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stdout, /2 recipients: 2 sent/);
  assert.deepEqual(sink.messages.map((m) => m.envelopeTo[0]).sort(), readers.map((r) => r.email).sort());

  const again = await gazetteCli(configFile, 'digest', 'send', '--frequency', 'weekly');
  assert.match(again.stdout, /Nothing new/);
  assert.equal(sink.messages.length, 2);

  const status = await gazetteCli(configFile, 'digest', 'status');
  assert.match(status.stdout, /weekly .* 2 articles {2}2 recipients: 2 sent, 0 queued, 0 failed/);

  const mailTest = await gazetteCli(configFile, 'mail', 'test', '--to', 'operator@example.org');
  assert.equal(mailTest.code, 0, mailTest.stderr);
  assert.equal(sink.messages.at(-1)?.envelopeTo[0], 'operator@example.org');
  assert.match(sink.messages.at(-1)?.parsed.subject ?? '', /^Test message from/);

  const bad = await gazetteCli(configFile, 'digest', 'send', '--frequency', 'hourly');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--frequency must be one of instant, daily, weekly/);
});
