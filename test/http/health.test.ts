import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { writeArticle } from '../support/build-article.ts';
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
