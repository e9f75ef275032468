import type { TestContext } from 'node:test';
import { createDueEdition, createInstantEditions } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { BROWSER_CLOCK_START, LONG_WORDS_ARTICLE, writeSampleArticles } from './browser-gazette.ts';
import { writeArticle } from './build-article.ts';
import { insertSubscriber } from './mail-fixtures.ts';
import { startSmtpSink, type ReceivedMail } from './smtp-sink.ts';
import { makeTestConfig } from './test-config.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type MailKind = 'confirmation' | 'welcome' | 'instant' | 'digest' | 'manage';
export const MAIL_KINDS: readonly MailKind[] = ['confirmation', 'welcome', 'instant', 'digest', 'manage'];

/**
 * One mail of every kind Gazette sends (confirmation, welcome, instant, weekly digest, the link
 * asked for on /manage), delivered
 * by the real delivery engine to a real SMTP server on loopback and returned exactly as that
 * server received it. The articles are the project's seed plus realistic ones, one with long
 * unbreakable words, so what is checked is what a reader's provider would see.
 */
/** Every provider webhook on: each mail then carries the most delivery-id headers (mail/delivery-headers.ts). */
export const ALL_WEBHOOKS: { [key: string]: Json } = {
  bounces: {
    webhooks: {
      ses: { enabled: true, topicArn: null, certHostPattern: '^sns\\.[a-z0-9-]+\\.amazonaws\\.com$', caCertificates: null },
      postmark: { user: 'postmark', password: 'a-long-postmark-password' },
      mailgun: { signingKey: 'key-0123456789abcdef0123456789abcdef' },
    },
  },
};

export async function deliverEveryMailKind(
  t: TestContext,
  mailOverrides: { [key: string]: Json } = {},
  otherOverrides: { [key: string]: Json } = {},
): Promise<Record<MailKind, ReceivedMail>> {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, { ...otherOverrides, mail: { smtpUrl: sink.url, ...mailOverrides } });
  writeSampleArticles(seedsDir);
  const clock = new ManualClock(BROWSER_CLOCK_START);
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  const db = gazette.core.store.db;
  const received = async (count: number): Promise<ReceivedMail> => {
    await gazette.core.mail.deliverPending({ limit: 10 });
    return (await sink.waitFor(count))[count - 1]!;
  };

  const pending = await insertSubscriber(db, { status: 'pending', name: 'Grace Hopper', frequency: 'weekly' });
  await gazette.core.mail.enqueueTransactional(db, {
    kind: 'confirmation',
    recipientId: pending.id,
    key: `confirm-${pending.id}`,
    params: { confirmationId: 'c-1' },
  });
  const confirmation = await received(1);

  const weekly = await insertSubscriber(db, { status: 'confirmed', name: 'Ada Lovelace', frequency: 'weekly' });
  await gazette.core.mail.enqueueTransactional(db, { kind: 'welcome', recipientId: weekly.id, key: `welcome-${weekly.id}`, params: {} });
  const welcome = await received(2);

  await insertSubscriber(db, { status: 'confirmed', frequency: 'instant' });
  // The first run only marks where instant mail starts (after the articles already ingested);
  // the article published after it is mailed.
  clock.advance(60_000);
  await createInstantEditions(db, clock.now());
  clock.advance(60_000);
  writeArticle(seedsDir, { ...LONG_WORDS_ARTICLE, date: clock.now().toISOString() });
  await gazette.core.ingest.run();
  await createInstantEditions(db, clock.now());
  const instant = await received(3);

  clock.set('2026-01-12T07:00:00Z');
  writeArticle(seedsDir, { slug: 'sunday-market-returns-to-the-old-harbour', date: '11 January 2026' });
  await gazette.core.ingest.run();
  await createDueEdition(db, 'weekly', new Date('2026-01-05T07:00:00Z'), clock.now(), clock.now());
  const digest = await received(4);

  await gazette.core.mail.enqueueTransactional(db, { kind: 'manage', recipientId: weekly.id, key: `manage-${weekly.id}`, params: {} });
  const manage = await received(5);

  const mails = { confirmation, welcome, instant, digest, manage };
  for (const kind of MAIL_KINDS) {
    const subject = mails[kind].parsed.subject ?? '';
    const expected = {
      confirmation: /^Confirm/,
      welcome: /^Welcome/,
      instant: /Pneumono/i,
      digest: /./,
      manage: /manage your subscription/,
    }[kind];
    if (!expected.test(subject)) throw new Error(`the ${kind} mail was not the one expected: "${subject}"`);
  }
  return mails;
}
