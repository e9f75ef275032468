import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { writeArticle } from '../support/build-article.ts';
import { signInConsole, startConsoleWorld } from '../support/console-world.ts';

describe('console pages: each change goes through the core services and into the audit log', () => {
  it('imports a CSV with a per-line report, deletes with suppression, and the audit keeps no address', async (t) => {
    const { app, gazette, ok } = await startConsoleWorld(t);
    const db = gazette.core.store.db;
    const { cookie, csrf } = await signInConsole(app);
    const csv = 'email,name\nann@example.org,Ann\nbroken@\nbob@example.org,Bob\n';
    const imported = await request(app)
      .post('/admin/subscribers/import')
      .set('Cookie', cookie)
      .field('_csrf', csrf)
      .field('consentSource', 'Paper form, 2025')
      .attach('file', Buffer.from(csv), { filename: 'list.csv', contentType: 'text/csv' });
    assert.equal(imported.status, 200, imported.text.slice(0, 300));
    assert.match(imported.text, /3 row\(s\): 2 imported, 0 already on the list \(unchanged\), 1 invalid/);
    assert.match(imported.text, /<th scope="row">3<\/th><td>[^<]*email/);

    const list = await request(app).get('/admin/subscribers?q=ann&status=confirmed').set('Cookie', cookie);
    assert.match(list.text, /ann@example\.org/);
    assert.doesNotMatch(list.text, /bob@example\.org/);
    const exported = await request(app).get('/admin/subscribers/export').set('Cookie', cookie);
    assert.match(exported.text, /bob@example\.org/);

    const deleted = await request(app).post(`/admin/subscribers/${ok.id}/delete`).set('Cookie', cookie).type('form').send({ _csrf: csrf });
    assert.equal(deleted.status, 303);
    assert.equal(await db.selectFrom('subscribers').select('id').where('id', '=', ok.id).executeTakeFirst(), undefined);
    // The same suppression rule as the API: the address cannot be imported again.
    const again = await request(app)
      .post('/admin/subscribers/import')
      .set('Cookie', cookie)
      .field('_csrf', csrf)
      .field('consentSource', 'Paper form')
      .attach('file', Buffer.from(`email\n${ok.email}\n`), { filename: 'again.csv', contentType: 'text/csv' });
    assert.match(again.text, /1 suppressed/);
    assert.match(again.text, /<th scope="row">2<\/th><td>suppressed/, 'a suppressed line is listed even when no line is invalid');
    const audit = await db.selectFrom('admin_audit_log').selectAll().orderBy('at').execute();
    // The clock stands still in this test: the entries are compared as a set.
    assert.deepEqual(audit.map((a) => a.action).sort(), ['subscriber.delete', 'subscribers.import', 'subscribers.import']);
    assert.ok(!JSON.stringify(audit).includes(ok.email), 'no deleted address in the log');
    const page = await request(app).get('/admin/audit').set('Cookie', cookie);
    assert.match(page.text, /subscriber\.delete/);
  });

  it('edition: a dry run sends nothing; pause holds, resume releases; the preview frame is sandboxed; a test goes to one address; a re-scan reads new files', async (t) => {
    const { app, gazette, editionId, seedsDir, sink } = await startConsoleWorld(t);
    const db = gazette.core.store.db;
    const { cookie, csrf } = await signInConsole(app);
    const editionsBefore = await db.selectFrom('editions').select('id').execute();
    const dry = await request(app)
      .post('/admin/editions/send-now')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, frequency: 'weekly', dryRun: 'on' });
    assert.equal(dry.status, 200);
    assert.match(dry.text, /Nothing was sent\. Sent now, it would go to 0 subscriber\(s\) with 1 article\(s\)/);
    assert.deepEqual(await db.selectFrom('editions').select('id').execute(), editionsBefore);

    const paused = await request(app).post(`/admin/editions/${editionId}/pause`).set('Cookie', cookie).type('form').send({ _csrf: csrf });
    assert.equal(paused.headers.location, `/admin/editions/${editionId}?done=paused`);
    assert.equal((await gazette.core.editions.report(editionId)).stopped?.reason, 'paused by console:ops@example.com');
    const resend = await request(app)
      .post(`/admin/editions/${editionId}/resend-failed`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf });
    assert.equal(resend.headers.location, `/admin/editions/${editionId}?done=resent`);
    const sentBefore = sink.messages.length;
    await gazette.core.mail.deliverPending({ limit: 10 });
    assert.equal(sink.messages.length, sentBefore, 'a paused edition sends nothing');
    await request(app).post(`/admin/editions/${editionId}/resume`).set('Cookie', cookie).type('form').send({ _csrf: csrf }).expect(303);
    await gazette.core.mail.deliverPending({ limit: 10 });
    assert.equal(sink.messages.length, sentBefore + 1, 'resumed: the failed one is sent again');
    const page = await request(app).get(`/admin/editions/${editionId}`).set('Cookie', cookie);
    assert.match(page.text, /Every recipient so far was delivered/);

    const preview = await request(app).get('/admin/editions/preview/weekly').set('Cookie', cookie);
    assert.match(preview.text, /<iframe[^>]+sandbox[^>]+src="\/admin\/editions\/preview\/weekly\/html"/);
    assert.match(String(preview.headers['content-security-policy']), /frame-src 'self'/);
    assert.doesNotMatch(String(preview.headers['content-security-policy']), /script-src/);
    const html = await request(app).get('/admin/editions/preview/weekly/html').set('Cookie', cookie);
    assert.match(html.text, /Console visible story/);
    assert.match(String(html.headers['content-security-policy']), /sandbox/);
    assert.match(String(html.headers['content-security-policy']), /frame-ancestors 'self'/);

    const mailsBefore = sink.messages.length;
    const tested = await request(app)
      .post('/admin/editions/test')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, frequency: 'weekly', to: 'tester@example.org' });
    assert.equal(tested.status, 200, tested.text.slice(0, 300));
    assert.match(tested.text, /The next weekly digest went to tester@example\.org/);
    const [test] = (await sink.waitFor(mailsBefore + 1)).slice(mailsBefore);
    assert.deepEqual(test!.envelopeTo, ['tester@example.org']);
    assert.match(String(test!.parsed.html), /Console visible story/);
    assert.match(String(test!.parsed.subject), /^\[Test\] (?!Test message)/, "the digest's own subject, marked as a test");

    writeArticle(seedsDir, { slug: 'rescanned-story', date: '7 September 2025' });
    await request(app).post('/admin/articles/rescan').set('Cookie', cookie).type('form').send({ _csrf: csrf }).expect(303);
    const articles = await request(app).get('/admin/articles?done=rescanned').set('Cookie', cookie);
    assert.match(articles.text, /Rescanned story/);
    const actions = (await db.selectFrom('admin_audit_log').select('action').orderBy('at').execute()).map((a) => a.action);
    assert.deepEqual(
      actions.sort(),
      ['articles.rescan', 'digest.send-test', 'edition.pause', 'edition.resend-failed', 'edition.resume'].sort(),
    );
  });
});
