import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import request from 'supertest';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startScriptedSmtp } from '../support/scripted-smtp.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';

const READERS = 5;
const INFO = 30;

// A relay that refuses the sender (530 at MAIL FROM) is a server's failure, like a database
// outage: the log says so once with the server's reply when the pause starts and once when it
// ends, not at every probe; /healthz keeps the time the pause began.
test("an SMTP server refusing the sender: one warn line with its reply when the pause starts, one when delivery resumes; /healthz keeps the pause's start", async (t) => {
  let refusals = 0;
  let relayFixed = false;
  const smtp = await startScriptedSmtp({
    mailFrom: () => {
      if (relayFixed) return undefined;
      refusals++;
      return { code: 530, message: '5.7.0 Authentication required' };
    },
  });
  t.after(() => smtp.close());
  const logged = new PassThrough();
  const lines: { level: number; msg: string; reply?: string; pausedSeconds?: number }[] = [];
  logged.on('data', (c: Buffer) =>
    lines.push(
      ...c
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as (typeof lines)[number]),
    ),
  );
  const { config, seedsDir } = makeTestConfig(t, { mail: { smtpUrl: smtp.url } });
  writeArticle(seedsDir, { slug: 'paused-story', date: new Date().toISOString().slice(0, 10) });
  const gazette = await createGazette(config, { log: createLogger({ level: 'debug', destination: logged }) });
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  for (let i = 0; i < READERS; i++) await insertSubscriber(gazette.core.store.db, { frequency: 'daily' });
  await createDueEdition(gazette.core.store.db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date());
  const pausedSince = async (): Promise<string | undefined> =>
    (await request(gazette.server.app).get('/healthz').expect(200)).body.deliveryQueue.paused?.since;

  const from = lines.length;
  gazette.core.mail.worker.start();
  const firstSince = await waitUntil(pausedSince, 'the pause in /healthz');
  // The first pass may be refused on each pooled connection; each probe after it is one message.
  const afterFirstPass = refusals;
  await waitUntil(() => refusals >= afterFirstPass + 2, 'two more refused probes');
  assert.equal(await pausedSince(), firstSince, 'the pause began when it began');
  const during = lines.slice(from).filter((l) => l.level >= INFO && l.msg.startsWith('SMTP'));
  assert.equal(during.length, 1, `one line for the pause, got:\n${during.map((l) => l.msg).join('\n')}`);
  assert.equal(during[0]!.reply, '530 5.7.0 Authentication required');
  assert.match(
    during[0]!.msg,
    /refused \(530 5\.7\.0 Authentication required\); no subscriber was bounced: delivery paused.*resumes by itself/,
  );

  relayFixed = true;
  await smtp.waitForAccepted(READERS, 120_000);
  const resumed = await waitUntil(
    () => lines.slice(from).find((l) => l.msg.startsWith('SMTP server accepts mail again')),
    'the line saying delivery resumed',
  );
  assert.equal(resumed.level, INFO);
  assert.equal(resumed.reply, '530 5.7.0 Authentication required');
  assert.ok(typeof resumed.pausedSeconds === 'number' && resumed.pausedSeconds >= 0);
  assert.equal(
    lines.slice(from).filter((l) => l.level >= INFO && l.msg.startsWith('SMTP')).length,
    2,
    'nothing else about it at info or above',
  );
});
