import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/config/load-config.ts';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startScriptedSmtp } from '../support/scripted-smtp.ts';
import { waitUntil } from '../support/wait.ts';
import { writeTestConfigFile } from '../support/test-config.ts';

const run = promisify(execFile);

async function gazetteCli(configFile: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: projectRoot,
      env: { ...process.env, GAZETTE_CONFIG: configFile },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test("gazette status shows a paused send with the server's reply; gazette digest restore --reply brings the wrongly bounced back, recorded; resume and its errors", async (t) => {
  const misrouted = new Set(['reader-1@example.org', 'reader-2@example.org', 'reader-3@example.org']);
  let needsAuth = false;
  const smtp = await startScriptedSmtp({
    mailFrom: () => (needsAuth ? { code: 530, message: '5.7.0 Authentication required' } : undefined),
    rcptTo: (to) => (misrouted.has(to) ? { code: 550, message: '5.1.1 Relay has no route for this user' } : undefined),
  });
  t.after(() => smtp.close());
  const { configFile, config } = writeTestConfigFile(t, { site: { baseUrl: 'https://news.example.com' }, mail: { smtpUrl: smtp.url } });
  writeArticle(config.paths.seedsDir, { slug: 'restore-story', date: new Date().toISOString().slice(0, 10) });
  const setup = await createGazette(config);
  await setup.core.ingest.run();
  for (let i = 0; i < 5; i++) await insertSubscriber(setup.core.store.db, { frequency: 'daily', email: `reader-${i}@example.org` });
  const created = await createDueEdition(setup.core.store.db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date());
  const editionId = created!.edition.id;
  assert.equal((await setup.core.mail.deliverPending({ limit: 10 })).bounced, 3);
  // Then the relay starts refusing the sender: the worker pauses and records it.
  needsAuth = true;
  const newcomer = await insertSubscriber(setup.core.store.db, { frequency: 'weekly' });
  await setup.core.mail.enqueueTransactional(setup.core.store.db, {
    kind: 'welcome',
    recipientId: newcomer.id,
    key: `welcome-${newcomer.id}`,
    params: {},
  });
  setup.core.mail.worker.start();
  await waitUntil(
    async () =>
      (await setup.core.store.db.selectFrom('site_state').select('value').where('key', '=', 'mail_sending_pause').executeTakeFirst())
        ?.value || undefined,
    'the pause to be recorded',
  );
  await setup.close();

  const status = await gazetteCli(configFile, 'status');
  assert.equal(status.code, 0, status.stderr);
  assert.match(
    status.stdout,
    /Sending PAUSED since \S+: the SMTP server refused: 530 5\.7\.0 Authentication required\. Nobody was bounced; it resumes by itself/,
  );

  const noReason = await gazetteCli(configFile, 'digest', 'restore', '--reply', '5.1.1');
  assert.equal(noReason.code, 1);
  assert.equal(noReason.stderr.trim().split('\n').length, 1, noReason.stderr);
  assert.match(noReason.stderr, /--reason TEXT is required/);
  const noFilter = await gazetteCli(configFile, 'digest', 'restore', '--reason', 'x');
  assert.equal(noFilter.code, 1);
  assert.match(noFilter.stderr, /--edition ID .* --reply TEXT/);

  const restored = await gazetteCli(
    configFile,
    'digest',
    'restore',
    '--reply',
    '5.1.1 Relay has no route',
    '--reason',
    'relay misconfigured, not the addresses',
  );
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /^3 subscribers restored to confirmed, 3 deliveries queued again\.$/m);
  const again = await gazetteCli(configFile, 'digest', 'restore', '--edition', editionId, '--reason', 'twice');
  assert.match(again.stdout, /^0 subscribers restored/m);

  const resume = await gazetteCli(configFile, 'digest', 'resume', '--edition', editionId);
  assert.equal(resume.code, 0, resume.stderr);
  assert.match(resume.stdout, /was not stopped: nothing to resume/);

  const store = await openStore({ url: null, dataDir: config.paths.dataDir });
  t.after(() => store.close());
  const subscribers = await store.db
    .selectFrom('subscribers')
    .select(['email', 'status'])
    .where('email', 'in', [...misrouted])
    .execute();
  assert.deepEqual(new Set(subscribers.map((s) => s.status)), new Set(['confirmed']));
  const events = await store.db
    .selectFrom('subscriber_events')
    .select(['kind', 'actor', 'reason', 'reply'])
    .where('kind', '=', 'restored')
    .execute();
  assert.deepEqual(
    events,
    Array(3).fill({
      kind: 'restored',
      actor: `cli:${userInfo().username}`,
      reason: 'relay misconfigured, not the addresses',
      reply: '550 5.1.1 Relay has no route for this user',
    }),
  );
  const queued = await store.db
    .selectFrom('deliveries')
    .select('status')
    .where('edition_id', '=', editionId)
    .where('status', '=', 'queued')
    .execute();
  assert.equal(queued.length, 3, 'their deliveries of the edition are queued again');
});
