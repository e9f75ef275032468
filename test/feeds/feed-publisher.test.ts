import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

for (const kind of storeKinds)
  describe(`feed publisher on ${kind}`, () => {
    it('renders once per change and serves the same bytes object to every request in between', async (t) => {
      const { config, seedsDir } = makeTestConfig(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const clock = new ManualClock('2026-01-10T12:00:00Z');
      const gazette = await createGazette(config, { clock });
      t.after(() => gazette.close());
      writeArticle(seedsDir, { slug: 'once', date: '5 January 2026' });
      await gazette.core.ingest.run();
      const first = await gazette.core.feeds.find('/feed.xml');
      assert.ok(first);
      assert.deepEqual(await gazette.core.feeds.refresh(), [], 'nothing changed: nothing rendered');
      clock.advance(3_600_000);
      assert.equal(await gazette.core.feeds.find('/feed.xml'), first, 'an hour later, still the same representation');
      writeArticle(seedsDir, { slug: 'twice', date: '6 January 2026' });
      await gazette.core.ingest.run();
      const second = await gazette.core.feeds.find('/feed.xml');
      assert.notEqual(second, first);
      assert.ok(second!.lastModified > first.lastModified);
      assert.equal(await gazette.core.feeds.find('/nothing.xml'), undefined);
    });

    it('serves empty but valid feeds before any article exists', async (t) => {
      const { config } = makeTestConfig(t, { database: { url: await makeTestDatabaseUrl(t, kind) } });
      const gazette = await createGazette(config, { clock: new ManualClock('2026-01-10T12:00:00Z') });
      t.after(() => gazette.close());
      const atom = await gazette.core.feeds.find('/atom.xml');
      assert.match(atom!.bodies.identity.toString(), /<updated>1970-01-01T00:00:00.000Z<\/updated>/);
      assert.doesNotMatch(atom!.bodies.identity.toString(), /prev-archive/);
      assert.equal(await gazette.core.feeds.find('/feeds/archive/1.atom.xml'), undefined);
    });
  });
