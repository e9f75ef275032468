import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { startDovecot } from '../support/dovecot.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startPostfix } from '../support/postfix.ts';
import { startScriptedSmtp } from '../support/scripted-smtp.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';

const BOUNCE_DOMAIN = 'bounces.example.com';

/**
 * The reports here are made by a real MTA, not by hand: Gazette hands an edition to a private
 * Postfix (a smarthost that accepts everything at once), whose own delivery to the recipients'
 * server is refused or deferred; the DSNs Postfix writes go to each delivery's VERP address, land
 * in the bounce mailbox (a real Dovecot) and the `bounces` job applies them. ARF complaints,
 * out-of-office replies and providers' layouts stay hand-written fixtures (parse-report-mail.test.ts):
 * no program installable here makes them.
 */
test('DSNs made by a real Postfix (refused 5.1.1, 5.2.2, deferred 4.2.0 then expired) through the bounce mailbox: the unknown user bounced, the full mailbox and the deferral counted as soft, the delivered readers untouched', async (t) => {
  const refusals: Record<string, { code: number; message: string }> = {
    'gone@example.net': { code: 550, message: '5.1.1 <gone@example.net>: Recipient address rejected: User unknown' },
    'full@example.net': { code: 552, message: '5.2.2 <full@example.net>: Mailbox full' },
    'later@example.net': { code: 451, message: '4.2.0 <later@example.net>: Greylisted, try again later' },
  };
  // The recipients' mail server, behind the smarthost.
  const recipientsServer = await startScriptedSmtp({ rcptTo: (to) => refusals[to] });
  t.after(() => recipientsServer.close());
  // Where mail to the bounce domain goes (its MX): it receives the reports Postfix writes.
  const bounceMx = await startSmtpSink();
  t.after(() => bounceMx.close());
  const postfix = await startPostfix(t, {
    relayTo: recipientsServer.url,
    routes: { [BOUNCE_DOMAIN]: bounceMx.url },
    // The deferred message gets a "delayed" warning at its second try (about a second in), and is
    // returned at its first try after 10 s: room for the warning on a busy machine.
    delayWarningSeconds: 1,
    queueLifetimeSeconds: 10,
  });
  const dovecot = await startDovecot(t);
  const { config, seedsDir } = makeTestConfig(t, {
    mail: { smtpUrl: postfix.url, bounceDomain: BOUNCE_DOMAIN, bounceLocalPart: 'bounces' },
    bounces: { imap: { url: `imap://${dovecot.user}:${dovecot.password}@${dovecot.host}:${dovecot.port}`, pollSeconds: 5 } },
  });
  writeArticle(seedsDir, { slug: 'relayed-news', date: new Date().toISOString().slice(0, 10) });
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  const { db } = gazette.core.store;
  const subscriber = async (email: string) => insertSubscriber(db, { frequency: 'daily', email });
  const gone = await subscriber('gone@example.net');
  const full = await subscriber('full@example.net');
  const later = await subscriber('later@example.net');
  const fine = [await subscriber('fine-one@example.net'), await subscriber('fine-two@example.net')];
  const created = await createDueEdition(db, 'daily', new Date(Date.now() - 24 * 3600_000), new Date(), new Date());
  assert.ok(created?.created);
  const editionId = created.edition.id;

  assert.equal((await gazette.core.mail.deliverPending({ limit: 50 })).sent, 5, 'the smarthost accepts every message at once');
  await recipientsServer.waitForAccepted(2);
  assert.deepEqual([...recipientsServer.accepted].sort(), ['fine-one@example.net', 'fine-two@example.net']);

  // Two bounces at once, then a delay warning and, once the queue lifetime is over, the return of the deferred message.
  const reports = await waitUntil(
    () => bounceMx.messages.length >= 4 && postfix.queued() === 0 && bounceMx.messages,
    `four DSNs from Postfix and an empty queue (got ${bounceMx.messages.length})`,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${postfix.log()}`);
  });
  assert.equal(reports.length, 4, 'one report per refusal, and a warning and a return for the deferral');
  for (const r of reports) {
    assert.equal(r.envelopeFrom, '', 'a DSN has the null sender');
    assert.match(r.envelopeTo[0] ?? '', /^bounces\+[^@]+@bounces\.example\.com$/, 'sent to the VERP address');
    assert.match(r.raw.toString(), /^Content-Type: multipart\/report; report-type=delivery-status;/m);
  }
  assert.deepEqual(reports.map((r) => r.parsed.subject).sort(), [
    'Delayed Mail (still being retried)',
    'Undelivered Mail Returned to Sender',
    'Undelivered Mail Returned to Sender',
    'Undelivered Mail Returned to Sender',
  ]);

  for (const r of reports) await dovecot.deliver(r.raw);
  assert.equal(await gazette.scheduler.runNow('bounces'), 'ran');
  assert.equal(await dovecot.count('INBOX'), 0, 'every report handled and moved');
  assert.equal(await dovecot.count('Processed'), 4);

  const statusOf = async (id: string) =>
    (await db.selectFrom('subscribers').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  const eventsOf = async (id: string) =>
    (await db.selectFrom('subscriber_events').select(['kind', 'edition_id']).where('subscriber_id', '=', id).orderBy('id').execute()).map(
      (e) => `${e.kind}:${e.edition_id === editionId ? 'this edition' : e.edition_id}`,
    );
  assert.equal(await statusOf(gone.id), 'bounced', '5.1.1: a hard bounce');
  assert.deepEqual(await eventsOf(gone.id), ['bounced:this edition']);
  assert.equal(await statusOf(full.id), 'confirmed', '5.2.2 mailbox full is soft');
  assert.deepEqual(await eventsOf(full.id), ['soft-bounced:this edition']);
  assert.equal(await statusOf(later.id), 'confirmed', 'a deferral, then its expiry, are soft');
  assert.deepEqual(await eventsOf(later.id), ['soft-bounced:this edition', 'soft-bounced:this edition']);
  for (const reader of fine) {
    assert.equal(await statusOf(reader.id), 'confirmed');
    assert.deepEqual(await eventsOf(reader.id), [], `${reader.email} untouched`);
  }
  const report = await gazette.core.editions.report(editionId);
  assert.deepEqual(report.health, {
    hardBounces: 1,
    softBounces: 2,
    complaints: 0,
    hardBounceRate: 0.2,
    softBounceRate: 0.4,
    complaintRate: 0,
  });
});

test('the private Postfix leaves nothing behind once stopped: no process of its group, its port closed', async (t) => {
  const postfix = await startPostfix(t, { relayTo: 'smtp://127.0.0.1:9' });
  assert.ok(postfix.processes() > 1, 'the master and its daemons run while the test uses them');
  await postfix.stop();
  assert.equal(postfix.processes(), 0, 'master and daemons gone');
  await assert.rejects(
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: postfix.port }, () => resolve(socket.destroy()));
      socket.once('error', reject);
    }),
    { code: 'ECONNREFUSED' },
  );
});
