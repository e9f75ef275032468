import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { retryDelayMs } from '../../src/mail/smtp-outcome.ts';

const HOUR_MS = 3600_000;
const CAP_MS = 6 * HOUR_MS;
/** V8's largest Math.random() (52 random bits): the top of the jitter range is never reached. */
const JUST_UNDER_ONE = 1 - 2 ** -52;
const middle = (): number => 0.5;

describe('retryDelayMs: exponential backoff, full jitter, 6 h cap', () => {
  // attempt, base seconds → the delay with no jitter (random() = 0.5 gives a factor of 1).
  const table: [number, number, number][] = [
    [0, 60, 60_000],
    [1, 60, 60_000],
    [2, 60, 120_000],
    [3, 60, 240_000],
    [4, 60, 480_000],
    [8, 60, 7_680_000],
    [1, 1, 1_000],
    [10, 1, 512_000],
    [1, 300, 300_000],
    [2, 300, 600_000],
    // 300 s × 2^6 = 5 h 20 min, just under the cap; the next doubling is capped.
    [7, 300, 19_200_000],
    [8, 300, CAP_MS],
    [9, 300, CAP_MS],
    [1, 6 * 3600, CAP_MS],
    [1, 24 * 3600, CAP_MS],
    [1_100, 60, CAP_MS],
  ];
  for (const [attempt, base, expected] of table) {
    it(`attempt ${attempt}, base ${base} s → ${expected} ms`, () => assert.equal(retryDelayMs(attempt, base, middle), expected));
  }

  it('attempt 0 waits as long as attempt 1 (the first retry), not half of it', () => {
    for (const random of [() => 0, middle, () => JUST_UNDER_ONE]) assert.equal(retryDelayMs(0, 60, random), retryDelayMs(1, 60, random));
  });

  it('jitter spans [0.5, 1.5) of the delay: random() = 0 halves it, the largest random() stays under one and a half', () => {
    assert.equal(
      retryDelayMs(3, 60, () => 0),
      120_000,
    );
    assert.equal(
      retryDelayMs(3, 60, () => 0.25),
      180_000,
    );
    assert.ok(retryDelayMs(3, 60, () => JUST_UNDER_ONE) < 360_000);
    assert.ok(retryDelayMs(3, 60, () => JUST_UNDER_ONE) > 359_999);
  });

  it('the cap applies before the jitter: a capped delay lies in [3 h, 9 h), so capped retries still spread out', () => {
    assert.equal(
      retryDelayMs(20, 60, () => 0),
      3 * HOUR_MS,
    );
    assert.ok(retryDelayMs(20, 60, () => JUST_UNDER_ONE) < 9 * HOUR_MS);
    assert.ok(retryDelayMs(20, 60, () => JUST_UNDER_ONE) > 9 * HOUR_MS - 1);
  });

  it('property: within [0.5, 1.5) of min(base × 2^(attempt−1), 6 h), and never shorter for a later attempt (seeded)', () => {
    const random = fc.double({ min: 0, max: JUST_UNDER_ONE, noNaN: true });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 7200 }), random, (attempt, base, r) => {
        const nominal = Math.min(base * 1000 * 2 ** Math.max(0, attempt - 1), CAP_MS);
        const delay = retryDelayMs(attempt, base, () => r);
        return delay >= nominal * 0.5 && delay < nominal * 1.5 && retryDelayMs(attempt + 1, base, () => r) >= delay;
      }),
      { seed: 20261129, numRuns: 2000 },
    );
  });

  it('with the default Math.random, every delay lies in the jitter range', () => {
    for (let i = 0; i < 1000; i++) {
      const delay = retryDelayMs(4, 60);
      assert.ok(delay >= 240_000 && delay < 720_000, String(delay));
    }
  });
});
