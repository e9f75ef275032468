import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { applyUnsubscribeMail, readUnsubscribeSubject } from '../../src/list-health/parse-unsubscribe-mail.ts';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { deliverWelcomeMail, headerLines, insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

const TOKEN = '3f2c9a4e-1b7d-4c8e-9f00-5a6b7c8d9e0f.AbCdEfGhIjKlMnOpQrStUv-_';

describe('readUnsubscribeSubject', () => {
  const cases: [string | undefined, string | undefined][] = [
    [`unsubscribe ${TOKEN}`, TOKEN],
    [`Unsubscribe   ${TOKEN}  `, TOKEN],
    [`Re: unsubscribe ${TOKEN}`, TOKEN],
    [`unsubscribe`, undefined],
    [`Out of office: unsubscribe ${TOKEN}`, undefined],
    [`please unsubscribe ${TOKEN}`, undefined],
    [`unsubscribe ${TOKEN} now`, undefined],
    [`unsubscribe <script>`, undefined],
    [undefined, undefined],
  ];
  for (const [subject, expected] of cases)
    it(`${JSON.stringify(subject)} → ${expected ? 'the token' : 'not an unsubscribe'}`, () => {
      assert.equal(readUnsubscribeSubject(subject), expected);
    });
});

for (const kind of storeKinds)
  describe(`an unsubscribe mail on ${kind}`, () => {
    it('the mailto of a delivered mail, sent back by a mail client, unsubscribes that subscriber once; others change nothing', async (t) => {
      const sink = await startSmtpSink();
      t.after(() => sink.close());
      const { config } = makeTestConfig(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        mail: { smtpUrl: sink.url, unsubscribeMailto: 'unsubscribe@news.example.com' },
      });
      const gazette = await createGazette(config, { clock: new ManualClock('2026-01-10T12:00:00Z') });
      t.after(() => gazette.close());
      const bystander = await insertSubscriber(gazette.core.store.db, { status: 'confirmed' });
      const { id, mail } = await deliverWelcomeMail(gazette, sink);

      // What a mail client does with the header: a message to the address with the mailto's subject.
      const mailto = /<mailto:([^?>]+)\?subject=([^>]+)>/.exec(headerLines(mail.parsed, 'List-Unsubscribe')[0]!)!;
      const client = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
      t.after(() => client.close());
      await client.sendMail({ from: 'reader@example.org', to: mailto[1], subject: decodeURIComponent(mailto[2]!), text: 'unsubscribe' });
      const [, request] = await sink.waitFor(2);
      assert.deepEqual(request!.envelopeTo, ['unsubscribe@news.example.com']);

      const deps = gazette.core.subscriptions;
      assert.deepEqual(await applyUnsubscribeMail(deps, { subject: request!.parsed.subject }), { applied: 'unsubscribed' });
      assert.deepEqual(await applyUnsubscribeMail(deps, { subject: request!.parsed.subject }), { applied: 'already-unsubscribed' });
      const status = async (subscriberId: string) =>
        (await gazette.core.store.db.selectFrom('subscribers').select('status').where('id', '=', subscriberId).executeTakeFirstOrThrow())
          .status;
      assert.equal(await status(id), 'unsubscribed');

      const forged = `unsubscribe ${bystander.id}.AAAAAAAAAAAAAAAAAAAAAAAA`;
      assert.deepEqual(await applyUnsubscribeMail(deps, { subject: forged }), { ignored: 'the token is not one of ours' });
      assert.ok('ignored' in (await applyUnsubscribeMail(deps, { subject: 'Automatic reply: I am away' })));
      assert.ok('ignored' in (await applyUnsubscribeMail(deps, { subject: undefined })));
      assert.equal(await status(bystander.id), 'confirmed');
    });
  });

describe('the unsubscribe mailbox at start', () => {
  // The IMAP mailbox is only configured, never reached: the start must not depend on it.
  const imap = { host: '127.0.0.1', port: 1, user: 'bounces', password: 'secret' };
  const cases = [
    { mailto: 'unsubscribe@news.example.com', imap: null, warned: true, title: 'set, no bounce mailbox: a warning says nothing reads it' },
    {
      mailto: 'unsubscribe@news.example.com',
      imap,
      warned: false,
      title: 'set, with bounces.imap: no warning, the mailbox reader applies them',
    },
    { mailto: null, imap: null, warned: false, title: 'not set: no warning' },
  ];
  for (const { mailto, imap: bounceMailbox, warned, title } of cases)
    it(`${title}, and the start is not refused`, async (t) => {
      const logged = new PassThrough();
      let text = '';
      logged.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const { config } = makeTestConfig(t, { mail: { unsubscribeMailto: mailto }, bounces: { imap: bounceMailbox } });
      const gazette = await createGazette(config, { log: createLogger({ level: 'info', destination: logged }) });
      t.after(() => gazette.close());
      await gazette.start();
      const entries = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      const warnings = entries.filter((entry) => entry.level === 40 && /nothing reads this mailbox yet/.test(entry.msg));
      assert.equal(warnings.length, warned ? 1 : 0);
      // No log line holds a full address, the operator's own included (README, Monitoring): masked to its first character and domain.
      if (warned) assert.match(warnings[0]!.msg, /u\*\*\*@news\.example\.com/);
      const applied = entries.filter((entry) => entry.level === 30 && /applied when they reach the bounce mailbox/.test(entry.msg));
      assert.equal(applied.length, bounceMailbox && mailto ? 1 : 0);
    });
});
