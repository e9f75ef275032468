import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { addAdminUser } from '../../src/admin/admin-user.service.ts';
import { SIGN_IN_LIMIT } from '../../src/admin/sign-in-limit.ts';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { CONSOLE_USER, signInConsole, startConsoleWorld } from '../support/console-world.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

describe('console sign-in and sessions', () => {
  it('sets a HttpOnly, SameSite=Strict cookie scoped to /admin, Secure only over https, and stores only a hash of it', async (t) => {
    const { app, gazette } = await startConsoleWorld(t);
    const res = await request(app)
      .post('/admin/sign-in')
      .type('form')
      .send({ ...CONSOLE_USER, next: '/admin/articles' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/admin/articles', 'back to the page asked for');
    const cookie = String(res.headers['set-cookie']?.[0]);
    assert.match(cookie, /^gazette_console=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\/admin/);
    assert.doesNotMatch(cookie, /; Secure/, 'plain HTTP: a Secure cookie would never come back');
    const token = /^gazette_console=([^;]+)/.exec(cookie)![1]!;
    const rows = await gazette.core.store.db.selectFrom('admin_sessions').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]!.token_hash, token);
    assert.ok(!JSON.stringify(rows).includes(token), 'the token itself is stored nowhere');

    const offsite = await request(app)
      .post('/admin/sign-in')
      .type('form')
      .send({ ...CONSOLE_USER, next: '//evil.example/x' });
    assert.equal(offsite.headers.location, '/admin', 'never sent to another site after sign-in');

    const { config } = makeTestConfig(t, { site: { baseUrl: 'https://news.example.com' } });
    const https = await createGazette(config);
    t.after(() => https.close());
    await addAdminUser(https.core.adminUsers, CONSOLE_USER.email, CONSOLE_USER.password);
    const secure = await request(https.server.app).post('/admin/sign-in').type('form').send(CONSOLE_USER);
    assert.match(String(secure.headers['set-cookie']?.[0]), /; Secure/);
  });

  it('signing out ends the session in the store: the old cookie opens nothing', async (t) => {
    const { app, gazette } = await startConsoleWorld(t);
    const { cookie, csrf } = await signInConsole(app);
    const out = await request(app).post('/admin/sign-out').set('Cookie', cookie).type('form').send({ _csrf: csrf });
    assert.equal(out.status, 303);
    assert.match(String(out.headers['set-cookie']?.[0]), /gazette_console=;/);
    assert.deepEqual(await gazette.core.store.db.selectFrom('admin_sessions').selectAll().execute(), []);
    const again = await request(app).get('/admin').set('Cookie', cookie);
    assert.equal(again.status, 303);
    assert.match(String(again.headers.location), /^\/admin\/sign-in/);
  });

  it('ends a session after the idle time without requests, and after the absolute time however active', async (t) => {
    const { app, clock } = await startConsoleWorld(t, { admin: { sessionIdleMinutes: 30, sessionMaxHours: 2 } });
    const idle = await signInConsole(app);
    clock.advance(29 * 60_000);
    assert.equal((await request(app).get('/admin/audit').set('Cookie', idle.cookie)).status, 200, 'a request within 30 minutes keeps it');
    clock.advance(29 * 60_000);
    assert.equal(
      (await request(app).get('/admin/audit').set('Cookie', idle.cookie)).status,
      200,
      'the idle time counts from the last request',
    );
    clock.advance(31 * 60_000);
    assert.equal((await request(app).get('/admin/audit').set('Cookie', idle.cookie)).status, 303, '31 idle minutes end it');

    const busy = await signInConsole(app);
    for (let i = 0; i < 4; i++) {
      clock.advance(25 * 60_000);
      assert.equal((await request(app).get('/admin/audit').set('Cookie', busy.cookie)).status, 200);
    }
    clock.advance(25 * 60_000);
    assert.equal(
      (await request(app).get('/admin/audit').set('Cookie', busy.cookie)).status,
      303,
      'past two hours (125 minutes), however active',
    );
  });

  it('refuses wrong passwords with one message, logs them without the password, and locks the account after the limit', async (t) => {
    const { app, log } = await startConsoleWorld(t, { server: { trustProxy: 'loopback' } });
    const wrong = await request(app).post('/admin/sign-in').type('form').send({ email: CONSOLE_USER.email, password: 'guess-number-one' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /The address or the password is wrong\./);
    const unknown = await request(app)
      .post('/admin/sign-in')
      .type('form')
      .send({ email: 'nobody@example.com', password: 'guess-number-one' });
    assert.equal(unknown.status, 401);
    assert.match(unknown.text, /The address or the password is wrong\./, 'the same answer: no way to learn which accounts exist');
    assert.match(log(), /console: wrong address or password/);
    assert.doesNotMatch(log(), /guess-number-one/, 'the password is never logged');

    // Per account: guesses from many addresses still count against the account.
    for (let i = 1; i < SIGN_IN_LIMIT.perAccount; i++) {
      await request(app)
        .post('/admin/sign-in')
        .set('X-Forwarded-For', `198.51.100.${i}`)
        .type('form')
        .send({ email: CONSOLE_USER.email, password: `guess-${i}` });
    }
    const locked = await request(app).post('/admin/sign-in').set('X-Forwarded-For', '203.0.113.9').type('form').send(CONSOLE_USER);
    assert.equal(locked.status, 429, 'the right password too, until the window ends');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.match(log(), /console: sign-in refused, too many wrong passwords/);

    // Per client: one address guessing many accounts.
    for (let i = 0; i < SIGN_IN_LIMIT.perClient; i++) {
      await request(app)
        .post('/admin/sign-in')
        .set('X-Forwarded-For', '192.0.2.7')
        .type('form')
        .send({ email: `user${i}@example.com`, password: 'x-guess' });
    }
    const client = await request(app)
      .post('/admin/sign-in')
      .set('X-Forwarded-For', '192.0.2.7')
      .type('form')
      .send({ email: 'other@example.com', password: 'y' });
    assert.equal(client.status, 429);
  });

  for (const kind of storeKinds) {
    it(`a session started on one instance works on another and after a restart (${kind})`, async (t) => {
      const url = await makeTestDatabaseUrl(t, kind);
      const { config } = makeTestConfig(t, { site: { baseUrl: 'http://news.example.test' }, database: { url } });
      const clock = new ManualClock('2026-01-10T12:00:00Z');
      const a = await createGazette(config, { clock });
      const b = await createGazette(config, { clock });
      t.after(() => b.close());
      await addAdminUser(a.core.adminUsers, CONSOLE_USER.email, CONSOLE_USER.password);
      const { cookie, csrf } = await signInConsole(a.server.app);
      assert.equal((await request(b.server.app).get('/admin').set('Cookie', cookie)).status, 200, 'the other instance knows it');
      await a.close();
      const restarted = await createGazette(config, { clock });
      t.after(() => restarted.close());
      assert.equal((await request(restarted.server.app).get('/admin').set('Cookie', cookie)).status, 200, 'a restart keeps it');
      await request(b.server.app).post('/admin/sign-out').set('Cookie', cookie).type('form').send({ _csrf: csrf }).expect(303);
      assert.equal((await request(restarted.server.app).get('/admin').set('Cookie', cookie)).status, 303, 'signed out everywhere');
    });
  }
});
