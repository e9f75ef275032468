import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import supertest from 'supertest';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds, type StoreKind } from '../support/test-database.ts';

const PATHS = ['/feed.xml', '/atom.xml', '/feed.json', '/feeds/archive/1.rss.xml'];

/** Instances over one store and one seeds directory, each with its own title and clock, as a restart or a second machine would be. */
async function instances(t: TestContext, kind: StoreKind) {
  const url = await makeTestDatabaseUrl(t, kind);
  const first = makeTestConfig(t, { database: { url }, site: { title: 'First title' } });
  writeArticle(first.seedsDir, { slug: 'validators-one', date: '2026-01-05' });
  writeArticle(first.seedsDir, { slug: 'validators-two', date: '2026-01-06' });
  const start = async (title: string, at: string) => {
    const { config } = makeTestConfig(t, {
      database: { url },
      site: { title },
      paths: { seedsDir: first.seedsDir, dataDir: first.dataDir },
    });
    const gazette = await createGazette(config, { clock: new ManualClock(at) });
    t.after(() => gazette.close());
    await gazette.core.ingest.run();
    return gazette;
  };
  return { start };
}

async function validators(
  gazette: Awaited<ReturnType<typeof createGazette>>,
  path: string,
): Promise<{ etag: string; lastModified: string }> {
  const res = await supertest(gazette.server.app).get(path).expect(200);
  return { etag: res.headers.etag as string, lastModified: res.headers['last-modified'] as string };
}

for (const kind of storeKinds)
  describe(`feed validators on ${kind}`, () => {
    it('both validators change when the bytes change across a restart, and If-Modified-Since with the old date gets the new bytes', async (t) => {
      const { start } = await instances(t, kind);
      const before = await start('First title', '2026-02-01T12:00:00Z');
      const old = await Promise.all(PATHS.map((p) => validators(before, p)));
      await before.close();
      // Restarted at the same moment with another title: new bytes, nothing else changed.
      const after = await start('Second title', '2026-02-01T12:00:00Z');
      for (const [i, path] of PATHS.entries()) {
        const now = await validators(after, path);
        assert.notEqual(now.etag, old[i]!.etag, `${path}: ETag`);
        assert.notEqual(now.lastModified, old[i]!.lastModified, `${path}: Last-Modified stayed while the bytes changed`);
        assert.ok(Date.parse(now.lastModified) > Date.parse(old[i]!.lastModified), path);
        const res = await supertest(after.server.app).get(path).set('If-Modified-Since', old[i]!.lastModified);
        assert.equal(res.status, 200, `${path}: If-Modified-Since with the old date must not answer 304`);
      }
    });

    it('instances serving the same bytes give the same Last-Modified, whenever each started', async (t) => {
      const { start } = await instances(t, kind);
      const a = await start('Shared title', '2026-02-01T12:00:00Z');
      // Bytes of another title first, so the store has a history for these paths.
      const b = await start('Shared title', '2026-02-03T08:30:00Z');
      for (const path of PATHS) assert.deepEqual(await validators(b, path), await validators(a, path), path);
      // A third instance starting later with the first title's bytes back gets a newer Last-Modified than both, and the same for every instance after it.
      const c = await start('Another title', '2026-02-04T09:00:00Z');
      const d = await start('Another title', '2026-02-05T09:00:00Z');
      for (const path of PATHS) {
        const [vc, vd, va] = [await validators(c, path), await validators(d, path), await validators(a, path)];
        assert.deepEqual(vd, vc, path);
        assert.ok(Date.parse(vc.lastModified) > Date.parse(va.lastModified), path);
      }
    });
  });

describe('feed places on postgres', () => {
  it('instances giving places at the same moment never give one place twice', async (t) => {
    const url = await makeTestDatabaseUrl(t, 'postgres');
    const first = makeTestConfig(t, { database: { url }, feeds: { archivePageSize: 5 } });
    for (let n = 1; n <= 12; n++) writeArticle(first.seedsDir, { slug: `embargoed-${n}`, date: `2026-02-02T0${n % 10}:00:00Z` });
    const clock = new ManualClock('2026-02-01T12:00:00Z');
    const start = async () => {
      const { config } = makeTestConfig(t, {
        database: { url },
        feeds: { archivePageSize: 5 },
        paths: { seedsDir: first.seedsDir, dataDir: first.dataDir },
      });
      const gazette = await createGazette(config, { clock });
      t.after(() => gazette.close());
      return gazette;
    };
    const instances = await Promise.all([start(), start(), start()]);
    await instances[0].core.ingest.run();
    // Every embargo ends at once for all three: each renders and gives places in the same instant.
    clock.set('2026-02-03T00:00:00Z');
    await Promise.all(instances.map((g) => g.core.feeds.refresh()));
    const rows = await instances[0].core.store.db.selectFrom('articles').select('feed_seq').execute();
    assert.deepEqual(
      rows.map((r) => r.feed_seq).sort((a, b) => a! - b!),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    const pages = await Promise.all(
      instances.map(async (g) => (await supertest(g.server.app).get('/feeds/archive/1.atom.xml').expect(200)).text),
    );
    assert.ok(pages.every((p) => p === pages[0]));
  });
});
