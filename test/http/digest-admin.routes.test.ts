import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from '../support/build-article.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { makeTestConfig } from '../support/test-config.ts';

const TOKEN = 'admin-token-for-tests-0123456789';
const NOW = new Date('2025-09-08T07:00:00Z');

test('admin API: edition status, failed recipients, resend to failed and digest preview, behind the token', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, { admin: { token: TOKEN }, mail: { smtpUrl: sink.url, maxAttempts: 1 } });
  writeArticle(seedsDir, { slug: 'admin-visible-story', date: '7 September 2025' });
  const gazette = await createGazette(config, { clock: new ManualClock(NOW) });
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  const db = gazette.core.store.db;
  const ok = await insertSubscriber(db, { frequency: 'daily' });
  const full = await insertSubscriber(db, { frequency: 'daily' });
  sink.rejectRecipient(full.email, 452, 'Mailbox full', 1);
  const auth = { Authorization: `Bearer ${TOKEN}` };

  const preview = await request(gazette.server.app).get('/api/digests/preview?frequency=weekly').set(auth).expect(200);
  assert.match(preview.body.html, /Admin visible story/);
  assert.match(preview.body.text, /https:\/\/news\.example\.com\/articles\/admin-visible-story/);
  await request(gazette.server.app).get('/api/digests/preview?frequency=hourly').set(auth).expect(400);

  const created = await createDueEdition(db, 'daily', new Date('2025-09-01T00:00:00Z'), NOW, NOW);
  await gazette.core.mail.deliverPending({ limit: 10 });
  const id = created!.edition.id;

  await request(gazette.server.app).get(`/api/editions/${id}`).expect(401);
  await request(gazette.server.app).get(`/api/editions/${id}`).set({ Authorization: 'Bearer wrong-token-wrong-token' }).expect(401);
  const report = await request(gazette.server.app).get(`/api/editions/${id}`).set(auth).expect(200);
  assert.equal(report.body.counts.sent, 1);
  assert.equal(report.body.counts.failed, 1);
  assert.deepEqual(
    report.body.undelivered.map((u: { email: string; lastReply: string }) => [u.email, u.lastReply]),
    [[full.email, '452 Mailbox full']],
  );
  const list = await request(gazette.server.app).get('/api/editions').set(auth).expect(200);
  assert.equal(list.body.items[0].id, id);
  await request(gazette.server.app).get('/api/editions/not-an-edition').set(auth).expect(404);

  const resend = await request(gazette.server.app).post(`/api/editions/${id}/resend-failed`).set(auth).expect(200);
  assert.deepEqual(resend.body, { requeued: 1 });
  await gazette.core.mail.deliverPending({ limit: 10 });
  assert.deepEqual(sink.messages.map((m) => m.envelopeTo[0]).sort(), [ok.email, full.email].sort());
  const after = await request(gazette.server.app).get(`/api/editions/${id}`).set(auth).expect(200);
  assert.equal(after.body.counts.sent, 2);
});

test('without an admin token the edition API does not exist', async (t) => {
  const { config } = makeTestConfig(t);
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  const res = await request(gazette.server.app)
    .get('/api/editions')
    .set({ Authorization: `Bearer ${TOKEN}` })
    .expect(404);
  assert.equal(res.body.error.code, 'AdminApiDisabled');
});
