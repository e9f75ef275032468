import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import type { Gazette } from '../../src/main.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { fetchFormStamp, startSubscriptionsWorld } from '../support/subscriptions-setup.ts';
import type { ManualClock } from '../../src/shared/clock.ts';

/** What a client can observe of an answer: status, body and every header but Date and X-Request-Id. */
function observable(res: request.Response): unknown {
  // Date and the request id differ per request and say nothing about the address.
  const { date: _date, 'x-request-id': _requestId, ...headers } = res.headers;
  return { status: res.status, headers, body: res.text.replace(/[0-9a-z]+@example\.(com|org)/g, 'ADDRESS') };
}

async function askFor(world: { gazette: Gazette; clock: ManualClock }, email: string, html: boolean) {
  // A form is sent with its own stamp, as a browser would: without one the guard would refuse it, and every answer would match trivially.
  const stamp = html ? await fetchFormStamp(world) : undefined;
  const req = request(world.gazette.server.app).post('/subscribe');
  return html ? req.set('Accept', 'text/html').type('form').send({ email, consent: 'yes', stamp }) : req.send({ email, consent: true });
}

for (const html of [false, true]) {
  test(`POST /subscribe answers identically for a new, pending, confirmed, unsubscribed and bounced address (${html ? 'HTML' : 'JSON'})`, async (t) => {
    const world = await startSubscriptionsWorld(t);
    const { gazette } = world;
    const db = gazette.core.store.db;
    await insertSubscriber(db, { email: 'pending@example.org', status: 'pending' });
    await insertSubscriber(db, { email: 'confirmed@example.org', status: 'confirmed' });
    await insertSubscriber(db, { email: 'unsubscribed@example.org', status: 'unsubscribed' });
    await insertSubscriber(db, { email: 'bounced@example.org', status: 'bounced' });
    const answers = [];
    for (const email of [
      'new@example.org',
      'pending@example.org',
      'confirmed@example.org',
      'unsubscribed@example.org',
      'bounced@example.org',
    ]) {
      answers.push(observable(await askFor(world, email, html)));
    }
    // Asking again within the resend window is silent too.
    answers.push(observable(await askFor(world, 'new@example.org', html)));
    assert.equal((answers[0] as { status: number }).status, 202);
    for (const answer of answers.slice(1)) assert.deepEqual(answer, answers[0]);
    // The address itself never appears in the answer (nothing to compare across addresses).
    assert.doesNotMatch(JSON.stringify(answers[0]), /ADDRESS/);
  });
}
