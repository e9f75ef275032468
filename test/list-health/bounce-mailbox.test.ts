import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import {
  createBounceMailbox,
  type BounceMailbox,
  type BounceMailboxSettings,
  type MailboxMessageMeta,
} from '../../src/list-health/bounce-mailbox.ts';
import { PROCESSED_KEYWORD } from '../../src/list-health/drain-mailbox.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { startDovecot, type DovecotOptions, type TestDovecot } from '../support/dovecot.ts';
import { waitUntil } from '../support/wait.ts';

type Cleanup = { after(fn: () => Promise<void> | void): void };

function bounceMessage(n: number): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@relay.example>',
    'To: bounces+d' + n + '@news.example.com',
    `Subject: Undelivered Mail Returned to Sender ${n}`,
    `Message-ID: <dsn-${n}@relay.example>`,
    'Date: Sun, 29 Nov 2026 12:00:00 +0000',
    '',
    `report ${n}`,
    '',
  ].join('\r\n');
}

/** A logger whose lines the test can read. */
function capturedLog(): { log: ReturnType<typeof createLogger>; lines: () => { level: number; msg: string }[] } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    log: createLogger({ level: 'debug', destination }),
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}

/** What the handler saw: the test's own function, recording each message's subject line. */
function recorder(fail: (subject: string) => boolean = () => false) {
  const seen: { subject: string; meta: MailboxMessageMeta }[] = [];
  const handle = async (raw: Buffer, meta: MailboxMessageMeta): Promise<void> => {
    const subject = /^Subject: (.*)$/m.exec(raw.toString())?.[1]?.trim() ?? '';
    if (fail(subject)) throw new Error(`cannot read ${subject}`);
    seen.push({ subject, meta });
  };
  return { seen, handle, subjects: () => seen.map((s) => s.subject).sort() };
}

function settingsFor(server: TestDovecot, overrides: Partial<BounceMailboxSettings> = {}): BounceMailboxSettings {
  return {
    url: `imap://${server.user}:${server.password}@${server.host}:${server.port}`,
    mailbox: 'INBOX',
    processedMailbox: 'Processed',
    pollSeconds: 5,
    ...overrides,
  };
}

async function withDovecot(t: Cleanup, options: DovecotOptions = {}): Promise<TestDovecot> {
  return startDovecot(t, options);
}

function mailbox(t: Cleanup, deps: Parameters<typeof createBounceMailbox>[0]): BounceMailbox {
  const box = createBounceMailbox(deps);
  t.after(() => box.stop());
  return box;
}

describe('bounce mailbox over IMAP (a real Dovecot)', () => {
  it('hands each unseen message over once and moves it to the processed mailbox, created on first use', async (t) => {
    const server = await withDovecot(t);
    for (const n of [1, 2, 3]) await server.deliver(bounceMessage(n));
    const { log } = capturedLog();
    const handler = recorder();
    const box = mailbox(t, { config: settingsFor(server), log, handle: handler.handle });

    assert.deepEqual(await box.pollOnce(), { handled: 3, failed: 0 });
    assert.deepEqual(
      handler.subjects(),
      [1, 2, 3].map((n) => `Undelivered Mail Returned to Sender ${n}`),
    );
    assert.deepEqual(
      handler.seen.map((s) => s.meta.messageId).sort(),
      [1, 2, 3].map((n) => `<dsn-${n}@relay.example>`),
    );
    assert.ok(handler.seen.every((s) => s.meta.mailbox === 'INBOX' && s.meta.uid > 0));
    assert.equal(await server.count('INBOX'), 0);
    assert.equal(await server.count('Processed'), 3);

    assert.deepEqual(await box.pollOnce(), { handled: 0, failed: 0 }, 'a second poll finds nothing new');
    assert.equal(handler.seen.length, 3);
  });

  it('leaves a message whose handler throws, logs it once, and hands it over again at the next poll', async (t) => {
    const server = await withDovecot(t);
    for (const n of [1, 2, 3]) await server.deliver(bounceMessage(n));
    const { log, lines } = capturedLog();
    let broken = true;
    const handler = recorder((subject) => broken && subject.endsWith(' 2'));
    const box = mailbox(t, { config: settingsFor(server), log, handle: handler.handle });

    assert.deepEqual(await box.pollOnce(), { handled: 2, failed: 1 });
    assert.deepEqual(await box.pollOnce(), { handled: 0, failed: 1 }, 'retried, still failing');
    assert.equal(await server.count('INBOX'), 1);
    assert.equal(await server.count('Processed'), 2);
    const warnings = lines().filter((l) => l.level === 40 && /could not be handled/.test(l.msg));
    assert.equal(warnings.length, 1, 'one warning for the message, not one per poll');

    broken = false;
    assert.deepEqual(await box.pollOnce(), { handled: 1, failed: 0 });
    assert.deepEqual(
      handler.subjects(),
      [1, 2, 3].map((n) => `Undelivered Mail Returned to Sender ${n}`),
    );
    assert.equal(await server.count('INBOX'), 0);
    assert.equal(await server.count('Processed'), 3);
  });

  it('flags handled messages \\Seen and with its keyword when no processed mailbox is set', async (t) => {
    const server = await withDovecot(t);
    for (const n of [1, 2]) await server.deliver(bounceMessage(n));
    const handler = recorder();
    const box = mailbox(t, { config: settingsFor(server, { processedMailbox: null }), log: capturedLog().log, handle: handler.handle });

    assert.deepEqual(await box.pollOnce(), { handled: 2, failed: 0 });
    assert.deepEqual(await box.pollOnce(), { handled: 0, failed: 0 });
    assert.equal(await server.count('INBOX'), 2, 'the messages stay where they are');
    const client = new ImapFlow({
      host: server.host,
      port: server.port,
      secure: false,
      auth: { user: server.user, pass: server.password },
      logger: false,
    });
    await client.connect();
    t.after(() => client.logout().catch(() => client.close()));
    await client.mailboxOpen('INBOX');
    const flags = (await client.fetchAll('1:*', { flags: true })).map((m) => [...(m.flags ?? [])].sort());
    assert.deepEqual(flags, [
      [PROCESSED_KEYWORD, '\\Seen'],
      [PROCESSED_KEYWORD, '\\Seen'],
    ]);
  });

  it('moves with COPY and EXPUNGE on a server without MOVE', async (t) => {
    const server = await withDovecot(t, { capabilities: 'IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS' });
    for (const n of [1, 2]) await server.deliver(bounceMessage(n));
    const handler = recorder();
    const box = mailbox(t, { config: settingsFor(server), log: capturedLog().log, handle: handler.handle });

    assert.deepEqual(await box.pollOnce(), { handled: 2, failed: 0 });
    assert.equal(await server.count('INBOX'), 0);
    assert.equal(await server.count('Processed'), 2);
    // Dovecot's session summary: the two were flagged \Deleted and expunged (a MOVE deletes nothing).
    await waitUntil(() => /deleted=2 expunged=2/.test(server.log()), 'the copy-and-expunge session in the server log');
  });

  it('handles nothing twice across a restart of the poller, and follows new mail while started', async (t) => {
    const server = await withDovecot(t);
    for (const n of [1, 2]) await server.deliver(bounceMessage(n));
    const handler = recorder();
    const settings = settingsFor(server, { pollSeconds: 3600 });
    const first = mailbox(t, { config: settings, log: capturedLog().log, handle: handler.handle });
    first.start();
    await waitUntil(() => handler.seen.length === 2, 'the two waiting messages handled');
    // Delivered while started: IDLE reports it (the hour-long poll timer cannot be what finds it).
    await server.deliver(bounceMessage(3));
    await waitUntil(() => handler.seen.length === 3, 'the message delivered while idling handled');
    await first.stop();

    await server.deliver(bounceMessage(4));
    const second = mailbox(t, { config: settings, log: capturedLog().log, handle: handler.handle });
    second.start();
    await waitUntil(() => handler.seen.length >= 4, 'the message delivered while stopped handled');
    await waitUntil(async () => (await server.count('Processed')) === 4, 'all four in Processed');
    assert.deepEqual(await second.pollOnce(), { handled: 0, failed: 0 });
    assert.deepEqual(
      handler.subjects(),
      [1, 2, 3, 4].map((n) => `Undelivered Mail Returned to Sender ${n}`),
      'each once',
    );
  });

  it('reconnects when the server goes away and comes back, logging the outage once', async (t) => {
    const server = await withDovecot(t);
    const { log, lines } = capturedLog();
    const handler = recorder();
    const box = mailbox(t, {
      config: settingsFor(server, { pollSeconds: 3600 }),
      log,
      handle: handler.handle,
      reconnect: { firstMs: 50, maxMs: 200 },
    });
    box.start();
    await server.deliver(bounceMessage(1));
    await waitUntil(() => handler.seen.length === 1, 'the first message handled');

    await server.stop();
    // Several reconnection attempts fail while it is down.
    await waitUntil(() => lines().filter((l) => /still unreachable/.test(l.msg)).length >= 3, 'failed reconnection attempts');
    assert.deepEqual(await box.pollOnce(), { handled: 0, failed: 0, error: 'not connected' }, 'a poll while down never throws');
    await server.start();
    await waitUntil(() => lines().some((l) => /reachable again/.test(l.msg)), 'the poller back on the server');
    await server.deliver(bounceMessage(2));
    await waitUntil(() => handler.seen.length === 2, 'the message delivered after the restart handled');
    assert.equal(lines().filter((l) => l.level === 40 && /cannot be read/.test(l.msg)).length, 1, 'one warning for the outage');
  });

  it('reports an unreachable server from a one-off poll instead of throwing', async (t) => {
    const server = await withDovecot(t);
    await server.stop();
    const box = mailbox(t, { config: settingsFor(server), log: capturedLog().log, handle: recorder().handle });
    const summary = await box.pollOnce();
    assert.equal(summary.handled, 0);
    assert.match(summary.error ?? '', /ECONNREFUSED|connect/i);
  });
});
