import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Express } from 'express';
import { sql } from 'kysely';
import request from 'supertest';
import { writeArticle } from '../support/build-article.ts';
import { signInConsole, startConsoleWorld } from '../support/console-world.ts';

interface RouteEntry {
  method: string;
  path: string;
}

/** Every route of the console router as the app mounted it, read from the router's own table (not a hand list). */
function consoleRouteTable(app: Express): RouteEntry[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const consoleLayer = stack.find((l) => l.handle?.stack?.some((s) => s.route?.path === '/sign-in'));
  assert.ok(consoleLayer, 'the console router is mounted');
  return consoleLayer.handle!.stack!.flatMap((l) =>
    l.route
      ? Object.keys(l.route.methods)
          .filter((m) => m !== '_all')
          .map((m) => ({ method: m.toUpperCase(), path: `/admin${l.route!.path === '/' ? '' : l.route!.path}` }))
      : [],
  );
}

/** A form each changing route would accept if its token were right: only the token is ever wrong below. */
const FORMS: Record<string, Record<string, string>> = {
  '/admin/sign-out': {},
  '/admin/subscribers/import': { file: 'email,name\nnew-reader@example.org,New\n', consentSource: 'a paper form' },
  '/admin/subscribers/:id': { status: 'unsubscribed', frequency: 'weekly', name: 'Changed' },
  '/admin/subscribers/:id/delete': {},
  '/admin/editions/send-now': { frequency: 'instant' },
  '/admin/editions/test': { frequency: 'daily', to: 'tester@example.org' },
  '/admin/editions/:id/resend-failed': {},
  '/admin/editions/:id/pause': {},
  '/admin/editions/:id/resume': {},
  '/admin/articles/rescan': {},
};

const OPEN = ['GET /admin/sign-in', 'POST /admin/sign-in'];

describe('the /admin guard, over every route of the console', () => {
  it('refuses each route without a session, with a forged one, and (changing routes) without or with a wrong CSRF token; nothing changes', async (t) => {
    const world = await startConsoleWorld(t);
    const { app, gazette, full, editionId, seedsDir } = world;
    const db = gazette.core.store.db;
    // A new seed file: a re-scan that got through would add an article.
    writeArticle(seedsDir, { slug: 'not-yet-scanned', date: '7 September 2025' });
    const { cookie, csrf } = await signInConsole(app);
    const routes = consoleRouteTable(app);
    assert.ok(routes.length >= 15, `the walk found ${routes.length} routes`);
    assert.deepEqual(
      routes.filter((r) => OPEN.includes(`${r.method} ${r.path}`)).map((r) => `${r.method} ${r.path}`),
      OPEN,
      'only the sign-in page and its form are open',
    );

    const concrete = (path: string): string =>
      path
        .replace('/subscribers/:id', `/subscribers/${full.id}`)
        .replace('/editions/:id', `/editions/${editionId}`)
        .replace(':frequency', 'daily');
    const snapshot = async (): Promise<string> => {
      const tables = await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(db);
      const dump: Record<string, unknown[]> = {};
      for (const { name } of tables.rows) {
        // Wrong passwords count here (none are sent below); everything else must stay as it was.
        if (name === 'rate_limit_counters') continue;
        dump[name] = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows
          .map((r) => JSON.stringify(r))
          .sort();
      }
      return JSON.stringify(dump);
    };
    const before = await snapshot();
    const mailsBefore = world.sink.messages.length;

    const forged = `gazette_console=${randomBytes(32).toString('base64url')}`;
    const problems: string[] = [];
    for (const route of routes) {
      if (OPEN.includes(`${route.method} ${route.path}`)) continue;
      const url = concrete(route.path);
      const changing = route.method !== 'GET' && route.method !== 'HEAD';
      const form = FORMS[route.path];
      if (changing && !form) problems.push(`${route.method} ${route.path}: a changing route with no form in FORMS (add one)`);
      const send = (headers: Record<string, string>, body?: Record<string, string>) => {
        const req = request(app)[route.method.toLowerCase() as 'get' | 'post'](url).set(headers);
        return changing ? req.type('form').send(body ?? {}) : req;
      };
      for (const [label, headers] of [
        ['no session', {}],
        ['a forged session', { Cookie: forged }],
      ] as const) {
        const res = await send(headers, { ...form, _csrf: csrf });
        const refused = changing ? res.status === 401 : res.status === 303 && String(res.headers.location).startsWith('/admin/sign-in');
        if (!refused) problems.push(`${route.method} ${url} with ${label}: ${res.status}`);
      }
      if (changing) {
        for (const [label, token] of [
          ['no CSRF token', undefined],
          ['a wrong CSRF token', randomBytes(32).toString('base64url')],
          ['an empty CSRF token', ''],
        ] as const) {
          const res = await send({ Cookie: cookie }, token === undefined ? form : { ...form, _csrf: token });
          if (res.status !== 403) problems.push(`${route.method} ${url} with a session and ${label}: ${res.status}`);
        }
        const foreign = await send({ Cookie: cookie, Origin: 'https://evil.example' }, { ...form, _csrf: csrf });
        const crossSite = await send({ Cookie: cookie, 'Sec-Fetch-Site': 'cross-site' }, { ...form, _csrf: csrf });
        if (crossSite.status !== 403) problems.push(`${route.method} ${url} cross-site: ${crossSite.status}`);
        if (foreign.status !== 403) problems.push(`${route.method} ${url} from another origin: ${foreign.status}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.equal(await snapshot(), before, 'no row changed');
    assert.equal(world.sink.messages.length, mailsBefore, 'no mail was sent');

    // The control: the same session with its token gets through, so the refusals above were the guard's.
    const changed = await request(app)
      .post(`/admin/subscribers/${full.id}`)
      .set('Cookie', cookie)
      .type('form')
      .send({ ...FORMS['/admin/subscribers/:id'], _csrf: csrf });
    assert.equal(changed.status, 303);
    const row = await db.selectFrom('subscribers').select(['status', 'name']).where('id', '=', full.id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'unsubscribed', name: 'Changed' });
    const audit = await db.selectFrom('admin_audit_log').selectAll().execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor, 'ops@example.com');
    assert.equal(audit[0]!.action, 'subscriber.change');
    assert.deepEqual(JSON.parse(audit[0]!.before!), { status: 'confirmed', frequency: 'daily', name: 'Fred' });
    assert.deepEqual(JSON.parse(audit[0]!.after!), { status: 'unsubscribed', frequency: 'weekly', name: 'Changed' });
  });
});
