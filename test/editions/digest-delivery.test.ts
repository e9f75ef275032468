import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createDueEdition, createInstantEditions } from '../../src/editions/edition.service.ts';
import { createGazette, type Gazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { headerLines, insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';
import { writeArticle } from '../support/build-article.ts';

const NOW = new Date('2025-09-08T07:00:00Z');
const WEEK_AGO = new Date('2025-09-01T07:00:00Z');

async function setup(
  t: TestContext,
  kind: StoreKind,
  articles: number,
  mail: Record<string, string | number | null> = {},
  paragraphs?: string[],
): Promise<{ gazette: Gazette; sink: SmtpSink }> {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, {
    database: { url: await makeTestDatabaseUrl(t, kind) },
    mail: { smtpUrl: sink.url, retryBaseSeconds: 0, ...mail },
  });
  // The site starts (and mailing begins) a week before NOW; the articles arrive just after, each
  // under embargo until its date, so every one of them is news for the week's edition.
  const clock = new ManualClock(WEEK_AGO);
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  assert.equal(await gazette.scheduler.runNow('scan', { atStart: true }), 'ran');
  clock.advance(60_000);
  for (let i = 1; i <= articles; i++)
    writeArticle(seedsDir, {
      slug: `weekly-story-number-${i}`,
      date: `${2 + (i % 5)} September 2025`,
      ...(paragraphs ? { paragraphs } : {}),
    });
  await gazette.core.ingest.run();
  clock.set(NOW);
  return { gazette, sink };
}

for (const kind of storeKinds)
  describe(`editions and digests on ${kind}`, () => {
    it('a weekly digest reaches each confirmed weekly subscriber once, with every article, both parts and absolute links', async (t) => {
      const { gazette, sink } = await setup(t, kind, 4);
      const db = gazette.core.store.db;
      const readers = [
        await insertSubscriber(db, { frequency: 'weekly', name: 'Grace' }),
        await insertSubscriber(db, { frequency: 'weekly' }),
      ];
      await insertSubscriber(db, { frequency: 'daily' });
      await insertSubscriber(db, { frequency: 'weekly', status: 'unsubscribed' });
      await insertSubscriber(db, { frequency: 'weekly', status: 'pending' });

      const created = await createDueEdition(db, 'weekly', WEEK_AGO, NOW, NOW);
      assert.ok(created);
      assert.equal(created.recipients, 2);
      assert.equal(created.articles.length, 4);
      assert.equal((await gazette.core.mail.deliverPending({ limit: 50 })).sent, 2);

      const mails = await sink.waitFor(2);
      assert.deepEqual(mails.map((m) => m.envelopeTo[0]).sort(), readers.map((r) => r.email).sort());
      const messageIds = new Set<string>();
      for (const { parsed, envelopeTo, raw } of mails) {
        assert.equal(envelopeTo.length, 1, 'one recipient per message');
        assert.equal(headerLines(parsed, 'To').length, 1);
        assert.equal(headerLines(parsed, 'List-Unsubscribe').length, 1, 'exactly one List-Unsubscribe');
        assert.deepEqual(headerLines(parsed, 'List-Unsubscribe-Post'), ['List-Unsubscribe=One-Click']);
        assert.match(parsed.messageId ?? '', /^<[A-Za-z0-9_-]{32}@localhost>$/);
        messageIds.add(parsed.messageId!);
        const html = parsed.html as string;
        const text = parsed.text ?? '';
        for (let i = 1; i <= 4; i++) {
          const url = `https://news.example.com/articles/weekly-story-number-${i}`;
          assert.ok(html.includes(`href="${url}"`), `HTML links article ${i}`);
          assert.ok(text.includes(url), `text links article ${i}`);
          assert.match(text, new RegExp(`Weekly story number ${i}\\b`));
        }
        const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
        assert.ok(hrefs.length > 8);
        for (const href of hrefs) assert.match(href, /^https:\/\/news\.example\.com\//, `absolute link: ${href}`);
        assert.match(html, /<html lang="en"/);
        assert.doesNotMatch(html, /fonts\.googleapis/);
        assert.ok(html.includes('Gazette, 1 Example Street'), 'postal address in the footer');
        assert.match(text, /Unsubscribe: https:\/\/news\.example\.com\/unsubscribe\//);
        assert.ok(raw.length < 200_000);
      }
      assert.equal(messageIds.size, 2);
      assert.match(mails.find((m) => m.envelopeTo[0] === readers[0]!.email)!.parsed.text ?? '', /^Hello Grace,/);
    });

    it('an edition with nothing new is not created and nothing is sent; a period is made once', async (t) => {
      const { gazette, sink } = await setup(t, kind, 2);
      const db = gazette.core.store.db;
      await insertSubscriber(db, { frequency: 'weekly' });
      assert.equal(await createDueEdition(db, 'weekly', new Date('2025-08-01T00:00:00Z'), new Date('2025-08-08T00:00:00Z'), NOW), null);
      const first = await createDueEdition(db, 'weekly', WEEK_AGO, NOW, NOW);
      assert.ok(first?.created);
      const again = await createDueEdition(db, 'weekly', WEEK_AGO, NOW, NOW);
      assert.equal(again?.edition.id, first.edition.id);
      assert.equal(again?.created, false);
      // A later period that overlaps the first carries nothing already sent to weekly readers.
      assert.equal(await createDueEdition(db, 'weekly', WEEK_AGO, new Date(NOW.getTime() + 3600_000), NOW), null);
      await gazette.core.mail.deliverPending({ limit: 10 });
      assert.equal(sink.messages.length, 1);
      assert.equal(
        await db
          .selectFrom('deliveries')
          .select('id')
          .execute()
          .then((r) => r.length),
        1,
      );
    });

    it('a large digest stays under the HTML budget and still names every article', async (t) => {
      const long = Array.from({ length: 3 }, (_, i) => `Paragraph ${i} `.padEnd(700, 'lorem ipsum dolor sit amet '));
      const { gazette, sink } = await setup(t, kind, 60, {}, long);
      const db = gazette.core.store.db;
      await insertSubscriber(db, { frequency: 'weekly' });
      const created = await createDueEdition(db, 'weekly', WEEK_AGO, NOW, NOW);
      assert.equal(created?.articles.length, 60);
      await gazette.core.mail.deliverPending({ limit: 10 });
      const [mail] = await sink.waitFor(1);
      const html = mail!.parsed.html as string;
      assert.ok(Buffer.byteLength(html) <= gazette.core.config.mail.maxHtmlBytes, `${Buffer.byteLength(html)} bytes`);
      assert.match(html, /Also in this edition/);
      for (let i = 1; i <= 60; i++) assert.ok(html.includes(`/articles/weekly-story-number-${i}"`), `article ${i} linked`);
    });

    it('an instant edition carries the whole article', async (t) => {
      const { gazette, sink } = await setup(t, kind, 0);
      const db = gazette.core.store.db;
      assert.deepEqual(await createInstantEditions(db, NOW), [], 'first run only marks the start');
      await insertSubscriber(db, { frequency: 'instant' });
      writeArticle(gazette.core.config.paths.seedsDir, {
        slug: 'breaking-news-today',
        date: '8 September 2025',
        paragraphs: ['First & foremost.', 'The second <paragraph>.', 'And a third.'],
      });
      (gazette.core.clock as ManualClock).advance(60_000);
      await gazette.core.ingest.run();
      const created = await createInstantEditions(db, gazette.core.clock.now());
      assert.equal(created.length, 1);
      assert.deepEqual(await createInstantEditions(db, gazette.core.clock.now()), [], 'an article is mailed once');
      await gazette.core.mail.deliverPending({ limit: 10 });
      const [mail] = await sink.waitFor(1);
      assert.equal(mail!.parsed.subject, 'Breaking news today');
      assert.match(mail!.parsed.text ?? '', /First & foremost\.\n\nThe second <paragraph>\.\n\nAnd a third\./);
      assert.ok((mail!.parsed.html as string).includes('The second &lt;paragraph&gt;.'));
    });
    it('an instant mail stays under the HTML budget however long its first paragraph: cut at a word, with a link to the full article', async (t) => {
      const { gazette, sink } = await setup(t, kind, 0);
      const db = gazette.core.store.db;
      await insertSubscriber(db, { frequency: 'instant' });
      const words = Array.from({ length: 30_000 }, (_, i) => `word${i}`);
      const paragraph = words.join(' ');
      assert.ok(paragraph.length > 228_000);
      writeArticle(gazette.core.config.paths.seedsDir, {
        slug: 'one-enormous-paragraph',
        date: '8 September 2025',
        paragraphs: [paragraph, 'A short second one.'],
      });
      (gazette.core.clock as ManualClock).advance(60_000);
      await gazette.core.ingest.run();
      assert.equal((await createInstantEditions(db, gazette.core.clock.now())).length, 1);
      await gazette.core.mail.deliverPending({ limit: 10 });
      const [mail] = await sink.waitFor(1);
      const html = mail!.parsed.html as string;
      const text = mail!.parsed.text ?? '';
      assert.ok(Buffer.byteLength(html) <= gazette.core.config.mail.maxHtmlBytes, `${Buffer.byteLength(html)} bytes of HTML`);
      assert.ok(mail!.raw.length < 2 * gazette.core.config.mail.maxHtmlBytes, `${mail!.raw.length} bytes in all`);
      const kept = /<p style="margin:0 0 14px">(word0 [^<]*)<\/p>/.exec(html)?.[1];
      assert.ok(kept, 'the start of the paragraph is in the mail');
      const lastWord = kept.replace(/…$/, '').split(' ').at(-1)!;
      assert.ok(kept.endsWith('…') && words.includes(lastWord), `cut after a whole word: …${kept.slice(-30)}`);
      assert.ok(kept.length > 20_000, 'the budget is used, not wasted');
      assert.match(html, /<a href="https:\/\/news\.example\.com\/articles\/one-enormous-paragraph">read the full article<\/a>/);
      assert.match(text, /read the full article at https:\/\/news\.example\.com\/articles\/one-enormous-paragraph/);
      assert.match(text, /Unsubscribe: https:\/\/news\.example\.com\/unsubscribe\//, 'the footer survives');
    });

    it('a digest of 1,200 articles stays under the HTML budget: the oldest are counted, not listed', async (t) => {
      const { gazette, sink } = await setup(t, kind, 1200);
      const db = gazette.core.store.db;
      await insertSubscriber(db, { frequency: 'weekly' });
      assert.equal((await createDueEdition(db, 'weekly', WEEK_AGO, NOW, NOW))?.articles.length, 1200);
      await gazette.core.mail.deliverPending({ limit: 10 });
      const [mail] = await sink.waitFor(1);
      const html = mail!.parsed.html as string;
      assert.ok(Buffer.byteLength(html) <= gazette.core.config.mail.maxHtmlBytes, `${Buffer.byteLength(html)} bytes of HTML`);
      const unlisted = Number(/And (\d+) more, too many for one mail/.exec(html)?.[1]);
      const listed = [...html.matchAll(/\/articles\/weekly-story-number-\d+"/g)].length;
      assert.ok(unlisted > 0 && listed > 0, `${listed} listed, ${unlisted} counted`);
      assert.ok(listed + unlisted >= 1200, 'every article is listed or counted');
      assert.match(mail!.parsed.text ?? '', /Unsubscribe: https:\/\/news\.example\.com\/unsubscribe\//, 'the footer survives');
    });
  });
