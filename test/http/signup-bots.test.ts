import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { assertDocumented } from '../support/api-contract.ts';
import { ADMIN_TOKEN, fetchFormStamp, startSubscriptionsWorld, type SubscriptionsWorld } from '../support/subscriptions-setup.ts';
import { makeTestDatabaseUrl, storeKinds } from '../support/test-database.ts';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** What a client can observe of an answer: status, body and every header but Date and X-Request-Id. */
function observable(res: request.Response): unknown {
  // Date and the request id differ per request and say nothing about the address.
  const { date: _date, 'x-request-id': _requestId, ...headers } = res.headers;
  return { status: res.status, headers, body: res.text };
}

function postForm(world: SubscriptionsWorld, fields: Record<string, string | undefined>) {
  return request(world.gazette.server.app).post('/subscribe').set('Accept', 'text/html').type('form').send(fields);
}

const person = (email: string) => ({ email, name: 'Ada', frequency: 'weekly', consent: 'yes', website: '' });

async function subscriberEmails(world: SubscriptionsWorld): Promise<string[]> {
  const rows = await world.gazette.core.store.db.selectFrom('subscribers').select('email').orderBy('email').execute();
  return rows.map((r) => r.email);
}

async function refusals(world: SubscriptionsWorld): Promise<Record<string, number>> {
  const rows = await world.gazette.core.store.db.selectFrom('signup_refusals').select(['reason', 'hits']).execute();
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.hits)]));
}

/** Runs a delivery pass; the person's confirmations arrive, and nothing else does. */
async function assertOnlyMailTo(world: SubscriptionsWorld, addresses: string[]): Promise<void> {
  await world.gazette.core.mail.deliverPending({ limit: 50 });
  await world.sink.waitFor(addresses.length);
  assert.deepEqual(
    world.sink.messages
      .map((m) => m.envelopeTo)
      .flat()
      .sort(),
    addresses.sort(),
  );
  const deliveries = await world.gazette.core.store.db.selectFrom('deliveries').select('id').execute();
  assert.equal(deliveries.length, addresses.length, 'one queued mail per person, none for a bot');
}

/** A solved ALTCHA challenge, as the widget would send it: base64 JSON of the challenge and its solution. */
async function solvedProof(world: SubscriptionsWorld): Promise<string> {
  const challenge = (await request(world.gazette.server.app).get('/subscribe/challenge').expect(200)).body as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  assert.ok(solution, 'the challenge can be solved');
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

for (const kind of storeKinds)
  describe(`sign-ups bots cannot fill, on ${kind}`, () => {
    it('honeypot, 200 ms form, missing, forged, stale and replayed stamps, disposable domain: the same 202, no row, no mail', async (t) => {
      const world = await startSubscriptionsWorld(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        subscriptions: { refuseDisposable: true },
      });
      // A person first: the answer every bot must get too.
      const personStamp = await fetchFormStamp(world);
      const real = await postForm(world, { ...person('ada@example.org'), stamp: personStamp });
      assert.equal(real.status, 202);
      assert.match(real.text, /Check your inbox/);

      // Each bot's fields are made just before it posts, so the clock moves only as each case says.
      const servedForm = async () => {
        const page = await request(world.gazette.server.app).get('/subscribe').set('Accept', 'text/html');
        return /name="stamp" value="([^"]+)"/.exec(page.text)![1]!;
      };
      let fastStamp = '';
      let staleStamp = '';
      const split = (stamp: string) => ({ value: stamp.slice(0, stamp.lastIndexOf('.')), mac: stamp.slice(stamp.lastIndexOf('.') + 1) });
      const bots: [string, () => Promise<Record<string, string | undefined>>][] = [
        [
          'honeypot filled',
          async () => ({ ...person('bot1@example.net'), website: 'https://spam.example', stamp: await fetchFormStamp(world) }),
        ],
        [
          '200 ms after the form was served',
          async () => {
            fastStamp = await servedForm();
            world.clock.advance(200);
            return { ...person('bot2@example.net'), stamp: fastStamp };
          },
        ],
        [
          'the 200 ms stamp again, once the wait is over',
          async () => (world.clock.advance(5000), { ...person('bot3@example.net'), stamp: fastStamp }),
        ],
        ['no stamp', async () => person('bot4@example.net')],
        [
          'a stamp with a made-up signature',
          async () => {
            const { value, mac } = split(await fetchFormStamp(world));
            return { ...person('bot5@example.net'), stamp: `${value}.${'A'.repeat(mac.length)}` };
          },
        ],
        [
          'a stamp whose time was moved back',
          async () => {
            const { value, mac } = split(await fetchFormStamp(world));
            return { ...person('bot6@example.net'), stamp: `0.${value.split('.')[1]}.${mac}` };
          },
        ],
        ['the person’s stamp replayed', async () => ({ ...person('bot7@example.net'), stamp: personStamp })],
        ['a disposable-mail address', async () => ({ ...person('bot8@mailinator.com'), stamp: await fetchFormStamp(world) })],
        [
          'a stamp older than 24 hours',
          async () => {
            staleStamp = await servedForm();
            world.clock.advance(25 * 3600_000);
            return { ...person('bot9@example.net'), stamp: staleStamp };
          },
        ],
      ];
      for (const [what, fieldsOf] of bots) {
        const res = await postForm(world, await fieldsOf());
        assert.deepEqual(observable(res), observable(real), `${what}: the answer a person gets`);
      }

      assert.deepEqual(await subscriberEmails(world), ['ada@example.org'], 'no bot became a subscriber, not even pending');
      await assertOnlyMailTo(world, ['ada@example.org']);
      assert.deepEqual(await refusals(world), {
        honeypot: 1,
        'too-fast': 1,
        'replayed-stamp': 2,
        'no-stamp': 1,
        'forged-stamp': 2,
        'disposable-domain': 1,
        'stale-stamp': 1,
      });

      // The admin sees the same counts, by reason: in the last 30 days, then only in the total once they are older.
      const expected = {
        honeypot: 1,
        'no-stamp': 1,
        'forged-stamp': 2,
        'too-fast': 1,
        'stale-stamp': 1,
        'replayed-stamp': 2,
        'no-proof': 0,
        'bad-proof': 0,
        'replayed-proof': 0,
        'disposable-domain': 1,
      };
      const stats = async () =>
        assertDocumented('get', '/api/subscribers/stats', await request(world.gazette.server.app).get('/api/subscribers/stats').set(auth))
          .body.refusedSignups;
      assert.deepEqual(await stats(), { last30Days: expected, total: expected });
      world.clock.advance(30 * 86_400_000);
      const none = Object.fromEntries(Object.keys(expected).map((reason) => [reason, 0]));
      assert.deepEqual(await stats(), { last30Days: none, total: expected });
    });

    it('JSON sign-ups: open by default, stamped on request (the same rules as a form), or off', async (t) => {
      const url = await makeTestDatabaseUrl(t, kind);
      const stamped = await startSubscriptionsWorld(t, { database: { url }, subscriptions: { jsonApi: 'stamped' } });
      const app = stamped.gazette.server.app;
      const unstamped = await request(app).post('/subscribe').send({ email: 'script@example.net', consent: true });
      assert.equal(unstamped.status, 202);
      const { stamp } = (await request(app).get('/subscribe').expect(200)).body as { stamp: string };
      const tooSoon = await request(app).post('/subscribe').send({ email: 'hasty@example.net', consent: true, stamp });
      assert.equal(tooSoon.status, 202);
      const { stamp: next } = (await request(app).get('/subscribe').expect(200)).body as { stamp: string };
      stamped.clock.advance(3000);
      const ok = await request(app).post('/subscribe').send({ email: 'integration@example.org', consent: true, stamp: next });
      assert.equal(ok.status, 202);
      assert.deepEqual(await subscriberEmails(stamped), ['integration@example.org']);
      await assertOnlyMailTo(stamped, ['integration@example.org']);
      assert.deepEqual(await refusals(stamped), { 'no-stamp': 1, 'too-fast': 1 });

      const off = await startSubscriptionsWorld(t, { subscriptions: { jsonApi: 'off' } });
      const refused = await request(off.gazette.server.app).post('/subscribe').send({ email: 'script@example.net', consent: true });
      assert.equal(refused.status, 415);
      assert.equal(refused.body.error.code, 'UnsupportedMediaType');
    });

    it('with proof of work on: a solved challenge subscribes once; missing, tampered and replayed proofs create nothing', async (t) => {
      const world = await startSubscriptionsWorld(t, {
        database: { url: await makeTestDatabaseUrl(t, kind) },
        subscriptions: { proofOfWork: { enabled: true, complexity: 2000 } },
      });
      const proof = await solvedProof(world);
      const real = await postForm(world, { ...person('ada@example.org'), stamp: await fetchFormStamp(world), altcha: proof });
      assert.equal(real.status, 202);
      // The derived key is what the signature covers: one character changed is a solution never found.
      const tampered = Buffer.from(
        Buffer.from(proof, 'base64')
          .toString('utf8')
          .replace(/"derivedKey":"(.)/, (_m, c: string) => `"derivedKey":"${c === '0' ? '1' : '0'}`),
        'utf8',
      ).toString('base64');
      const bots: [string, Record<string, string | undefined>][] = [
        ['no proof', { ...person('bot1@example.net'), stamp: await fetchFormStamp(world) }],
        ['a proof that is not base64 JSON', { ...person('bot2@example.net'), stamp: await fetchFormStamp(world), altcha: 'garbage' }],
        ['a tampered proof', { ...person('bot3@example.net'), stamp: await fetchFormStamp(world), altcha: tampered }],
        [
          'the person’s proof replayed with a fresh stamp',
          { ...person('bot4@example.net'), stamp: await fetchFormStamp(world), altcha: proof },
        ],
      ];
      for (const [what, fields] of bots) assert.deepEqual(observable(await postForm(world, fields)), observable(real), what);

      assert.deepEqual(await subscriberEmails(world), ['ada@example.org']);
      await assertOnlyMailTo(world, ['ada@example.org']);
      assert.deepEqual(await refusals(world), { 'no-proof': 1, 'bad-proof': 2, 'replayed-proof': 1 });
    });
  });
