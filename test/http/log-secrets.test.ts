import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { serveInChild } from '../support/run-gazette.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { writeTestConfigFile } from '../support/test-config.ts';
import { waitUntil } from '../support/wait.ts';
import { writeArticle } from '../support/build-article.ts';

const BASE = 'https://news.example.com';
const ADMIN_TOKEN = 'admin-token-never-logged-0123456789';
const SECRET = 'site-secret-never-logged-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-never-logged-0123456789';
const READER = 'grace.hopper@example.org';
const BOUNCING = 'bounce.me@example.net';
const UNSUBSCRIBE_MAILTO = 'unsubscribe@news.example.com';

const exitOf = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.once('exit', (code) => resolve(code)));

/** Every address-shaped string whose local part is not masked (masked: its first character, then ***). */
function fullAddressesIn(line: string): string[] {
  return [...line.matchAll(/([A-Za-z0-9._%+*-]+)(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*/gi)]
    .filter((m) => !/^[A-Za-z0-9!#$%&*+?^_~-]\*\*\*$/.test(m[1]!))
    .map((m) => m[0]);
}

test('a full run of gazette serve (sign-up, confirm from the mail, one-click unsubscribe, manage link, admin API, a wrong token) logs no token, secret, link signature or full address; every line of a request carries its id', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  sink.rejectRecipient(BOUNCING, 550, `5.1.1 <${BOUNCING}>: Recipient address rejected: User unknown`);
  const { configFile, config, dir } = writeTestConfigFile(t, {
    site: { baseUrl: BASE },
    server: { port: 0 },
    mail: { smtpUrl: sink.url, unsubscribeMailto: UNSUBSCRIBE_MAILTO },
    admin: { token: ADMIN_TOKEN },
    secret: SECRET,
    metrics: { listen: '127.0.0.1:0', token: METRICS_TOKEN },
    subscriptions: { minFormSeconds: 0 },
    log: { level: 'debug' },
  });
  writeArticle(config.paths.seedsDir, { slug: 'logged-story', date: '2026-01-09T09:00Z' });
  const served = serveInChild(configFile);
  t.after(() => served.child.kill('SIGKILL'));
  const exited = exitOf(served.child);
  const site = await waitUntil(() => /listening on (http:\/\/[^)\s"]+)/.exec(served.output())?.[1], 'gazette serve to listen');
  const call = (method: string, p: string, init: { body?: unknown; headers?: Record<string, string>; form?: string } = {}) =>
    fetch(`${site}${p}`, {
      method,
      headers: {
        ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(init.form !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : init.form,
    });
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  const mailed = (n: number) => sink.waitFor(n);
  const linksIn = (text: string | undefined) =>
    [...(text ?? '').matchAll(/https:\/\/news\.example\.com(\/[a-z]+\/[A-Za-z0-9._-]+)/g)].map((m) => m[1]!);

  // Sign-up: the request id given is echoed and marks the lines of that request.
  const subscribed = await call('POST', '/subscribe', {
    body: { email: READER, name: 'Grace', frequency: 'daily', consent: true },
    headers: { 'X-Request-Id': 'flow-subscribe-1' },
  });
  assert.equal(subscribed.status, 202);
  assert.equal(subscribed.headers.get('x-request-id'), 'flow-subscribe-1');
  const [confirmation] = await mailed(1);
  const confirmPath = linksIn(confirmation!.parsed.text).find((l) => l.startsWith('/confirm/'))!;
  assert.ok(confirmPath);
  assert.equal((await call('GET', `${confirmPath}?token=query-token-secret-42&utm_source=mail`)).status, 200);
  assert.equal((await call('POST', confirmPath, { form: '' })).status, 200);
  const welcome = (await mailed(2))[1]!;
  const unsubscribePath = linksIn(welcome.parsed.text).find((l) => l.startsWith('/unsubscribe/'))!;
  assert.ok(unsubscribePath);
  // A manage link by mail, followed.
  assert.equal((await call('POST', '/manage', { body: { email: READER } })).status, 202);
  const manageMail = (await mailed(3))[2]!;
  const managePaths = linksIn(manageMail.parsed.text);
  assert.ok(managePaths.length > 0, 'the manage mail carries a link');
  for (const p of managePaths) await call('GET', p);
  // One-click unsubscribe, as a mail client posts it.
  assert.equal((await call('POST', unsubscribePath, { form: 'List-Unsubscribe=One-Click' })).status, 200);

  // A sign-up whose confirmation bounces: the SMTP reply quotes the address.
  assert.equal((await call('POST', '/subscribe', { body: { email: BOUNCING, frequency: 'weekly', consent: true } })).status, 202);
  await waitUntil(() => /Recipient address rejected|permanent failure/.test(served.output()), 'the bounce to be logged');

  // The admin API with the token, and once with a wrong one (its warning carries the request id).
  assert.equal((await call('GET', `/api/subscribers?q=${encodeURIComponent(READER)}`, { headers: admin })).status, 200);
  assert.equal((await call('GET', `/api/suppressions/${encodeURIComponent(READER)}`, { headers: admin })).status, 200);
  const wrong = await call('GET', `/api/suppressions/${encodeURIComponent(READER)}`, {
    headers: { Authorization: 'Bearer wrong-token-0123456789abcdef', 'X-Request-Id': 'flow-wrong-token' },
  });
  assert.equal(wrong.status, 401);
  // Malformed ids are replaced, not echoed.
  for (const given of ['has spaces', 'x'.repeat(129), 'quote"d']) {
    const answer = await call('GET', '/livez', { headers: { 'X-Request-Id': given } });
    assert.match(answer.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  }
  const metricsAt = /"metricsAddress":"([^"]+)"/.exec(served.output())?.[1];
  if (metricsAt) await fetch(`${metricsAt}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });

  served.child.kill('SIGTERM');
  assert.equal(await exited, 0, served.output());
  const logFile = path.join(dir, 'gazette.log');
  writeFileSync(logFile, served.output());
  const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);

  // Nothing that must stay secret, in any line.
  const tokens = [confirmPath, unsubscribePath, ...managePaths].map((p) => p.split('/')[2]!);
  const signatures = tokens.map((tk) => tk.split('.').pop()!);
  const forbidden = [ADMIN_TOKEN, SECRET, METRICS_TOKEN, 'query-token-secret-42', 'wrong-token-0123456789abcdef', ...tokens, ...signatures];
  for (const line of lines) {
    for (const value of forbidden) assert.ok(!line.includes(value), `a log line holds ${value}: ${line}`);
    assert.deepEqual(fullAddressesIn(line), [], `a log line holds a full address: ${line}`);
  }
  assert.ok(
    lines.some((l) => l.includes('g***@example.org') || l.includes('b***@example.net')),
    'addresses are masked, not dropped',
  );

  // One access line per request, with the route template, never the path.
  const access = entries.filter((e) => typeof e.route === 'string' && typeof e.durationMs === 'number');
  assert.ok(!access.some((e) => String(e.route).includes('[')), 'templates are not masked paths');
  const confirmLines = access.filter((e) => e.route === '/confirm/:token');
  assert.deepEqual(
    confirmLines.map((e) => [e.method, e.status]),
    [
      ['GET', 200],
      ['POST', 200],
    ],
  );
  for (const e of access) {
    assert.equal(e.clientIp, '127.0.0.1');
    assert.equal(typeof e.reqId, 'string');
    assert.equal(typeof e.bytes, 'number');
  }
  assert.ok(access.some((e) => e.route === '/unsubscribe/:token' && e.method === 'POST' && e.status === 200));
  assert.ok(access.some((e) => e.route === '/api/suppressions/:address' && e.status === 200));
  // Refused by the admin guard before any route matched: one label for all such answers.
  assert.ok(access.some((e) => e.route === 'unmatched' && e.status === 401 && e.reqId === 'flow-wrong-token'));
  const subscribeLine = access.find((e) => e.reqId === 'flow-subscribe-1')!;
  assert.deepEqual([subscribeLine.method, subscribeLine.route, subscribeLine.status], ['POST', '/subscribe', 202]);
  assert.ok((subscribeLine.bytes as number) > 0);
  // A line the request's code wrote (not the access line) carries the request's id.
  const warning = entries.find((e) => typeof e.msg === 'string' && e.msg.startsWith('admin API: wrong token'));
  assert.equal(warning?.reqId, 'flow-wrong-token');
});
