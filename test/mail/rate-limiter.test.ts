import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createRateLimiter } from '../../src/mail/rate-limiter.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * A limiter on a clock the test moves: its `now` and the timers it waits on (node:test's mock
 * timers) advance together, so an hour passes at once and "not yet" is exact to the millisecond.
 * `granted` lists, in order, the labels of the acquisitions that have resolved.
 */
function limiterOnTestClock(t: TestContext, limits: { perSecond: number | null; perHour: number | null }) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const limiter = createRateLimiter(limits, { now: () => now });
  const granted: string[] = [];
  /** Settles what is due: setImmediate is not mocked, so every resolved wait has been seen after it. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    granted,
    async acquire(...labels: string[]): Promise<void> {
      for (const label of labels) void limiter.acquire().then(() => granted.push(label));
      await settle();
    },
    async advance(ms: number): Promise<void> {
      now += ms;
      t.mock.timers.tick(ms);
      await settle();
    },
  };
}

describe('rate limiter', () => {
  it('with no limits, every acquisition goes at once', async (t) => {
    const clock = limiterOnTestClock(t, { perSecond: null, perHour: null });
    await clock.acquire('a', 'b', 'c', 'd');
    assert.deepEqual(clock.granted, ['a', 'b', 'c', 'd']);
  });

  it('per second: sends are spaced evenly (10/s: one every 100 ms), not released in a burst', async (t) => {
    const clock = limiterOnTestClock(t, { perSecond: 10, perHour: null });
    await clock.acquire('a', 'b', 'c', 'd');
    assert.deepEqual(clock.granted, ['a']);
    await clock.advance(99);
    assert.deepEqual(clock.granted, ['a']);
    await clock.advance(1);
    assert.deepEqual(clock.granted, ['a', 'b']);
    await clock.advance(100);
    assert.deepEqual(clock.granted, ['a', 'b', 'c']);
    await clock.advance(100);
    assert.deepEqual(clock.granted, ['a', 'b', 'c', 'd']);
  });

  it('per second: time spent idle is not banked: after a pause the next send goes at once, the one after waits its spacing', async (t) => {
    const clock = limiterOnTestClock(t, { perSecond: 4, perHour: null });
    await clock.acquire('a');
    await clock.advance(10_000);
    await clock.acquire('b', 'c');
    assert.deepEqual(clock.granted, ['a', 'b']);
    await clock.advance(249);
    assert.deepEqual(clock.granted, ['a', 'b']);
    await clock.advance(1);
    assert.deepEqual(clock.granted, ['a', 'b', 'c']);
  });

  it('per hour: at most that many in any rolling hour; the next waits until the oldest is an hour old', async (t) => {
    const clock = limiterOnTestClock(t, { perSecond: null, perHour: 3 });
    await clock.acquire('a', 'b');
    await clock.advance(20 * MINUTE_MS);
    await clock.acquire('c');
    assert.deepEqual(clock.granted, ['a', 'b', 'c'], 'three within the hour go at once');
    await clock.advance(10 * MINUTE_MS);
    // At 0:30: a and b (0:00) leave the window at 1:00, c (0:20) at 1:20.
    await clock.acquire('d', 'e', 'f');
    assert.deepEqual(clock.granted, ['a', 'b', 'c']);
    await clock.advance(30 * MINUTE_MS - 1);
    assert.deepEqual(clock.granted, ['a', 'b', 'c'], 'not a millisecond before the hour');
    await clock.advance(1);
    assert.deepEqual(clock.granted, ['a', 'b', 'c', 'd', 'e']);
    await clock.advance(20 * MINUTE_MS - 1);
    assert.deepEqual(clock.granted, ['a', 'b', 'c', 'd', 'e']);
    await clock.advance(1);
    assert.deepEqual(clock.granted, ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('per hour: a long queue is released at the per-hour rate, hour after hour', async (t) => {
    const clock = limiterOnTestClock(t, { perSecond: null, perHour: 2 });
    await clock.acquire('1', '2', '3', '4', '5', '6', '7');
    assert.equal(clock.granted.length, 2);
    let before = 2;
    for (const expected of [4, 6, 7]) {
      await clock.advance(HOUR_MS - 1);
      assert.equal(clock.granted.length, before, 'still waiting a millisecond before the hour');
      await clock.advance(1);
      assert.equal(clock.granted.length, expected);
      before = expected;
    }
  });

  it('both limits: spaced per second, and held at the per-hour cap', async (t) => {
    const clock = limiterOnTestClock(t, { perSecond: 1, perHour: 3 });
    await clock.acquire('a', 'b', 'c', 'd');
    assert.deepEqual(clock.granted, ['a']);
    await clock.advance(1000);
    assert.deepEqual(clock.granted, ['a', 'b']);
    await clock.advance(1000);
    assert.deepEqual(clock.granted, ['a', 'b', 'c']);
    // d would be due at 0:00:03 by the spacing; the hour cap holds it until a (0:00:00) is an hour old.
    await clock.advance(HOUR_MS - 2001);
    assert.deepEqual(clock.granted, ['a', 'b', 'c']);
    await clock.advance(1);
    assert.deepEqual(clock.granted, ['a', 'b', 'c', 'd']);
  });

  it('a wait ends with the abort reason when the signal aborts (shutdown)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const limiter = createRateLimiter({ perSecond: 1, perHour: null }, { now: () => 0 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const reason = new Error('shutting down');
    controller.abort(reason);
    await assert.rejects(waiting, (error) => error === reason);
  });
});
