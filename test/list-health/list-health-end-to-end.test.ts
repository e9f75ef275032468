import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { startDovecot } from '../support/dovecot.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** A fixture addressed to one delivery's VERP address about one recipient, with its own Message-ID. */
function reportFor(name: string, verp: string, recipient: string, id: string): string {
  return fixture(name)
    .replaceAll('{{VERP}}', verp)
    .replaceAll('gone@example.net', recipient)
    .replaceAll('reader@yahoo.com', recipient)
    .replace(/^Message-Id: <[^>]+>/im, `Message-Id: <${id}@reports.example>`);
}

test('a relay that accepts everything, then DSNs and a complaint in the bounce mailbox (a real Dovecot): bounced, unsubscribed and suppressed, absent from the next edition; an out-of-office changes nothing; a report read twice counts once', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const dovecot = await startDovecot(t);
  const { config, seedsDir } = makeTestConfig(t, {
    mail: { smtpUrl: sink.url, bounceDomain: 'bounces.example.com', bounceLocalPart: 'bounces' },
    bounces: { imap: { url: `imap://${dovecot.user}:${dovecot.password}@${dovecot.host}:${dovecot.port}`, pollSeconds: 5 } },
  });
  const today = new Date().toISOString().slice(0, 10);
  writeArticle(seedsDir, { slug: 'first-week', date: today });
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  const { db } = gazette.core.store;
  const readers = [];
  for (const name of ['gone-one', 'gone-two', 'complainer', 'on-holiday', 'stays'])
    readers.push(await insertSubscriber(db, { frequency: 'daily', email: `${name}@example.net` }));
  const [goneOne, goneTwo, complainer, onHoliday, stays] = readers as [
    (typeof readers)[0],
    (typeof readers)[0],
    (typeof readers)[0],
    (typeof readers)[0],
    (typeof readers)[0],
  ];
  assert.ok(await createDueEdition(db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date()));
  assert.equal((await gazette.core.mail.deliverPending({ limit: 50 })).sent, 5, 'the relay accepts every message');

  // Every message left with its own signed VERP envelope sender.
  const verpOf = (email: string): string => {
    const mail = sink.messages.find((m) => m.envelopeTo[0] === email);
    assert.ok(mail, `a message to ${email}`);
    assert.match(mail.envelopeFrom, /^bounces\+[^@]+@bounces\.example\.com$/);
    return mail.envelopeFrom;
  };
  await dovecot.deliver(reportFor('postfix-dsn.eml', verpOf(goneOne.email), goneOne.email, 'dsn-1'));
  await dovecot.deliver(reportFor('postfix-dsn.eml', verpOf(goneTwo.email), goneTwo.email, 'dsn-2'));
  await dovecot.deliver(reportFor('yahoo-arf.eml', verpOf(complainer.email), complainer.email, 'arf-1'));
  await dovecot.deliver(reportFor('out-of-office.eml', verpOf(onHoliday.email), onHoliday.email, 'ooo-1'));

  assert.equal(await gazette.scheduler.runNow('bounces'), 'ran');
  const statusOf = async (id: string) =>
    (await db.selectFrom('subscribers').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  assert.deepEqual(
    await Promise.all(readers.map((r) => statusOf(r.id))),
    ['bounced', 'bounced', 'unsubscribed', 'confirmed', 'confirmed'],
    'two hard bounces, one complaint; the out-of-office and the quiet reader unchanged',
  );
  assert.equal(await dovecot.count('INBOX'), 0, 'every message handled and moved');
  assert.equal(await dovecot.count('Processed'), 4);
  const suppressed = await db.selectFrom('suppressions').select(['reason']).execute();
  assert.deepEqual(suppressed, [{ reason: 'complaint' }], 'the complainer is suppressed, by a hash');

  // The same DSN again (a restart between applying it and moving it): nothing counts twice.
  const events = async () => (await db.selectFrom('subscriber_events').select('id').execute()).length;
  const before = { events: await events(), reports: (await db.selectFrom('delivery_reports').select('report_id').execute()).length };
  await dovecot.deliver(reportFor('postfix-dsn.eml', verpOf(goneOne.email), goneOne.email, 'dsn-1'));
  assert.equal(await gazette.scheduler.runNow('bounces'), 'ran');
  assert.deepEqual(
    { events: await events(), reports: (await db.selectFrom('delivery_reports').select('report_id').execute()).length },
    before,
  );

  // The next edition reaches only those still on the list.
  writeArticle(seedsDir, { slug: 'second-week', date: today });
  await gazette.core.ingest.run();
  const next = await createDueEdition(
    db,
    'daily',
    new Date(Date.now() - 24 * 3600_000),
    new Date(Date.now() + 1000),
    new Date(Date.now() + 1000),
  );
  assert.ok(next?.created);
  const audience = await db.selectFrom('deliveries').select('subscriber_id').where('edition_id', '=', next.edition.id).execute();
  assert.deepEqual(audience.map((d) => d.subscriber_id).sort(), [onHoliday.id, stays.id].sort());
});
