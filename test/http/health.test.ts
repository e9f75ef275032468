import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import type { DeliveryReport } from '../../src/list-health/delivery-report.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startPagesGazette } from './page-test-setup.ts';

describe('GET /healthz', () => {
  it('reports the database and no ingest before the first one', async (t) => {
    const { app } = await startPagesGazette(t);
    const res = await request(app)
      .get('/healthz')
      .expect(200)
      .expect('Cache-Control', 'no-store')
      .expect('Content-Type', /application\/json/);
    assert.equal(res.body.ok, true);
    assert.deepEqual(res.body.database, { ok: true, dialect: 'sqlite' });
    assert.deepEqual(res.body.ingest, { lastRunAt: null, durationMs: null, scanned: null, problems: null });
    assert.equal(typeof res.body.uptimeSeconds, 'number');
  });

  it('shows the last ingest time, files scanned and its problem count', async (t) => {
    const { gazette, app, seedsDir, clock } = await startPagesGazette(t);
    writeArticle(seedsDir, { slug: 'fine' });
    writeFileSync(path.join(seedsDir, 'bad-date.txt'), 'Someday\nbad-date\n\nBody.\n');
    writeFileSync(path.join(seedsDir, 'no-body.txt'), '1 January 2026\nno-body\n\n');
    await gazette.core.ingest.run();
    const first = await request(app).get('/healthz').expect(200);
    assert.equal(first.body.ingest.lastRunAt, '2026-01-10T12:00:00.000Z');
    assert.equal(first.body.ingest.scanned, 3);
    assert.equal(first.body.ingest.problems, 2);
    assert.equal(typeof first.body.ingest.durationMs, 'number');

    clock.set('2026-01-10T12:05:00Z');
    writeFileSync(path.join(seedsDir, 'bad-date.txt'), '1 January 2026\nbad-date\n\nFixed.\n');
    await gazette.core.ingest.run();
    const second = await request(app).get('/healthz').expect(200);
    assert.equal(second.body.ingest.lastRunAt, '2026-01-10T12:05:00.000Z');
    assert.equal(second.body.ingest.problems, 1);
  });

  it('answers HEAD, and 503 with the database error once the database is unreachable', async (t) => {
    const { gazette, app } = await startPagesGazette(t);
    await request(app).head('/healthz').expect(200);
    await gazette.core.store.db.destroy();
    const res = await request(app).get('/healthz').expect(503);
    assert.equal(res.body.ok, false);
    assert.equal(res.body.database.ok, false);
    assert.equal(typeof res.body.database.error, 'string');
  });
});

describe('GET /healthz: the latest editions', () => {
  it('lists the last 5 editions, newest first, with their deliveries, bounces, complaints and rates, as gazette digest status counts them', async (t) => {
    const { gazette, app, seedsDir, clock } = await startPagesGazette(t);
    const { db } = gazette.core.store;
    assert.deepEqual((await request(app).get('/healthz').expect(200)).body.editions, [], 'no edition yet');
    const readers = [];
    for (let i = 0; i < 4; i++) readers.push(await insertSubscriber(db, { frequency: 'daily', email: `health-${i}@example.org` }));
    // Six daily editions, one article each, a day apart.
    const editions: string[] = [];
    for (let day = 1; day <= 6; day++) {
      clock.set(new Date(Date.UTC(2026, 0, 10 + day, 8)));
      writeArticle(seedsDir, { slug: `day-${day}`, date: `${10 + day} January 2026` });
      await gazette.core.ingest.run();
      const created = await createDueEdition(db, 'daily', new Date(clock.now().getTime() - 86_400_000), clock.now(), clock.now());
      assert.ok(created?.created);
      editions.push(created.edition.id);
    }
    const latest = editions.at(-1)!;
    const [gone, full, complainer] = [readers[0]!, readers[1]!, readers[2]!];
    let n = 0;
    const apply = (kind: DeliveryReport['kind'], subscriberId: string, status: string | null) =>
      gazette.core.reports.apply({
        kind,
        deliveryId: `${latest}:${subscriberId}`,
        recipient: null,
        status,
        diagnostic: null,
        source: 'imap',
        reportId: `<health-${++n}@mx.test>:x`,
      });
    assert.equal(await apply('hard-bounce', gone.id, '5.1.1'), 'applied');
    assert.equal(await apply('soft-bounce', full.id, '4.2.2'), 'applied');
    assert.equal(await apply('complaint', complainer.id, null), 'applied');

    const body = (await request(app).get('/healthz').expect(200)).body as {
      editions: {
        id: string;
        frequency: string;
        createdAt: string;
        total: number;
        counts: { queued: number };
        stopped: boolean;
        health: object;
      }[];
    };
    assert.deepEqual(
      body.editions.map((e) => e.id),
      editions.slice(1).reverse(),
      'the five latest, newest first',
    );
    const [newest] = body.editions;
    assert.deepEqual(
      { ...newest, id: undefined },
      {
        id: undefined,
        frequency: 'daily',
        createdAt: '2026-01-16T08:00:00.000Z',
        total: 4,
        counts: { queued: 4, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 },
        stopped: false,
        health: { hardBounces: 1, softBounces: 1, complaints: 1, hardBounceRate: 0.25, softBounceRate: 0.25, complaintRate: 0.25 },
      },
    );
    assert.deepEqual(newest!.health, (await gazette.core.editions.report(latest)).health, 'the same figures as gazette digest status');
    assert.deepEqual(body.editions[1]!.health, {
      hardBounces: 0,
      softBounces: 0,
      complaints: 0,
      hardBounceRate: 0,
      softBounceRate: 0,
      complaintRate: 0,
    });
  });
});
