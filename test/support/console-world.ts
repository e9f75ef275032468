import type { TestContext } from 'node:test';
import request from 'supertest';
import { addAdminUser } from '../../src/admin/admin-user.service.ts';
import { createDueEdition } from '../../src/editions/edition.service.ts';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { writeArticle } from './build-article.ts';
import { insertSubscriber } from './mail-fixtures.ts';
import { startSmtpSink } from './smtp-sink.ts';
import { makeTestConfig } from './test-config.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const CONSOLE_USER = { email: 'ops@example.com', password: 'a long console password' };
export const CONSOLE_NOW = new Date('2025-09-08T07:00:00Z');

/**
 * A Gazette with a console account, an article, two daily subscribers and one daily edition
 * already sent, in which the SMTP server refused one recipient (452, one attempt allowed): the
 * world the console tests act on. Plain-HTTP base URL so that the cookie is not Secure.
 */
export async function startConsoleWorld(t: TestContext, overrides: { [key: string]: Json } = {}) {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, {
    site: { baseUrl: 'http://news.example.test' },
    mail: { smtpUrl: sink.url, maxAttempts: 1 },
    ...overrides,
  });
  writeArticle(seedsDir, { slug: 'console-visible-story', date: '7 September 2025' });
  const clock = new ManualClock(CONSOLE_NOW);
  let logText = '';
  const log = createLogger({ level: 'info', destination: { write: (s: string) => ((logText += s), true) } as NodeJS.WritableStream });
  const gazette = await createGazette(config, { clock, log });
  t.after(() => gazette.close());
  await gazette.core.ingest.run();
  const db = gazette.core.store.db;
  const ok = await insertSubscriber(db, { frequency: 'daily', name: 'Olga' });
  const full = await insertSubscriber(db, { frequency: 'daily', name: 'Fred' });
  sink.rejectRecipient(full.email, 452, 'Mailbox full', 1);
  const created = await createDueEdition(db, 'daily', new Date('2025-09-01T00:00:00Z'), CONSOLE_NOW, CONSOLE_NOW);
  await gazette.core.mail.deliverPending({ limit: 10 });
  await addAdminUser(gazette.core.adminUsers, CONSOLE_USER.email, CONSOLE_USER.password);
  return { gazette, app: gazette.server.app, config, seedsDir, clock, sink, ok, full, editionId: created!.edition.id, log: () => logText };
}

/** Signs in through the form; returns the session cookie and the CSRF token the pages carry. */
export async function signInConsole(app: Parameters<typeof request>[0], user = CONSOLE_USER) {
  const res = await request(app).post('/admin/sign-in').type('form').send({ email: user.email, password: user.password });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${res.text.slice(0, 300)}`);
  const cookie = String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const page = await request(app).get('/admin').set('Cookie', cookie);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!csrf) throw new Error('no CSRF token on the overview page');
  return { cookie, csrf };
}
