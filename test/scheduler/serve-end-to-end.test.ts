import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countPendingDeliveries } from '../../src/mail/outbox.repository.ts';
import { createGazette } from '../../src/main.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';

test('the running service publishes a file dropped into seeds/ and mails it to an instant subscriber', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, {
    mail: { smtpUrl: sink.url },
    // Every second, so the test waits seconds, not minutes; the daily and weekly jobs stay far off.
    scheduler: { enabled: true, scan: '* * * * * *', embargo: '* * * * * *', instant: '* * * * * *' },
    // A file younger than this waits for a later scan; short here, through the config, so the test waits seconds.
    ingest: { quietPeriodSeconds: 1 },
  });
  // Dated now: only the rule "articles present at the first start are not news" keeps it out of mail.
  writeArticle(seedsDir, { slug: 'already-there', date: new Date(Date.now() - 60_000).toISOString() });
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  const reader = await insertSubscriber(gazette.core.store.db, { frequency: 'instant' });
  await gazette.start();
  const base = gazette.address();

  const feedHas = (slug: string) => async () => {
    const body = await (await fetch(`${base}/feed.xml`)).text();
    return body.includes(`/articles/${slug}`) ? body : undefined;
  };
  await waitUntil(feedHas('already-there'), 'the seed present at start in /feed.xml');

  writeArticle(seedsDir, {
    slug: 'breaking-news-from-the-scheduler',
    date: new Date(Date.now() - 60_000).toISOString(),
    paragraphs: ['Dropped in while the service runs.'],
  });
  await waitUntil(feedHas('breaking-news-from-the-scheduler'), 'the new article in /feed.xml');

  const [mail] = await sink.waitFor(1);
  const mailedAt = new Date().toISOString();
  assert.deepEqual(mail!.envelopeTo, [reader.email]);
  assert.match(mail!.parsed.text ?? '', /Dropped in while the service runs\./);
  // The article present at the first start is not news: it was never mailed. Shown by a whole
  // instant run that started after this mail, and an empty queue after it (not by a pause).
  await waitUntil(async () => {
    const instant = (await gazette.scheduler.status()).find((j) => j.name === 'instant');
    const ranSince =
      instant &&
      !instant.running &&
      instant.lastStartedAt !== null &&
      instant.lastStartedAt > mailedAt &&
      instant.lastFinishedAt !== null &&
      instant.lastFinishedAt >= instant.lastStartedAt;
    return ranSince && (await countPendingDeliveries(gazette.core.store.db)) === 0;
  }, 'an instant run after the mail, and an empty delivery queue');
  assert.equal(sink.messages.length, 1);
  assert.doesNotMatch(sink.messages.map((m) => m.parsed.subject).join(' '), /Already there/i);

  const health = (await (await fetch(`${base}/healthz`)).json()) as {
    scheduler: { jobs: { name: string; lastStatus: string | null; nextRunAt: string | null }[] };
    deliveryQueue: { pending: number };
  };
  const scan = health.scheduler.jobs.find((j) => j.name === 'scan');
  assert.equal(scan?.lastStatus, 'ok');
  assert.ok(scan?.nextRunAt);
  assert.equal(health.deliveryQueue.pending, 0);
});
