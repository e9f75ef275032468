import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cron } from 'croner';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { createCronSchedule } from '../../src/shared/cron-schedule.ts';

/**
 * For any instant t, previous(t) <= t < next(t), no firing lies strictly between them, and the
 * firing just passed is what previous() then answers. Instants are drawn anywhere in 2024-2030 and,
 * more often, within hours of a daylight-saving change, where a calendar goes wrong.
 * "No firing between" is checked against a brute-force list: every matching wall-clock time in a
 * wide window, placed by Temporal's "compatible" rule.
 * Seeded and reproducible. For a long run:
 * CALENDAR_RUNS=20000 CALENDAR_SEED=<n> node --import tsx --test test/shared/cron-calendar.property.test.ts
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const ZONES = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe'] as const;
const PATTERNS = [
  '* * * * *',
  '*/15 1,2 * * *',
  '30 1 * * *',
  '30 2 * * *',
  '0 7 * * *',
  '0 9 * * 1',
  '0 6 31 * *',
  '0 0 1,15 * 5',
] as const;

/** Every daylight-saving change of `zone` in 2024-2030. */
function transitions(zone: string): number[] {
  const out: number[] = [];
  let z: Temporal.ZonedDateTime | null = Temporal.ZonedDateTime.from({ year: 2024, month: 1, day: 1, timeZone: zone });
  while ((z = z.getTimeZoneTransition('next')) && z.year < 2031) out.push(z.epochMilliseconds);
  return out;
}
const TRANSITIONS = new Map(ZONES.map((zone) => [zone, transitions(zone)]));

/** The firings within [from, to], by brute force over wall-clock times a day wider on each side. */
function firingsBetween(expression: string, zone: string, from: number, to: number): number[] {
  const pattern = new Cron(expression, { utcOffset: 0, paused: true });
  const wall = (ms: number): number => {
    const reading = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDateTime();
    return Temporal.Instant.from(`${reading.toString()}Z`).epochMilliseconds;
  };
  const out: number[] = [];
  const end = wall(to) + DAY;
  for (let w = pattern.nextRun(new Date(wall(from) - DAY)); w && w.getTime() <= end; w = pattern.nextRun(w)) {
    const plain = Temporal.Instant.fromEpochMilliseconds(w.getTime()).toZonedDateTimeISO('UTC').toPlainDateTime();
    const at = plain.toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
    if (at >= from && at <= to) out.push(at);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

const instantArb = (zone: string): fc.Arbitrary<number> => {
  const near = TRANSITIONS.get(zone as (typeof ZONES)[number])!;
  return fc.oneof(
    fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2030-12-31T00:00:00Z') }),
    fc.tuple(fc.constantFrom(...near), fc.integer({ min: -4 * HOUR, max: 4 * HOUR })).map(([t, d]) => t + d),
    // Exactly on a whole minute, where a firing can be.
    fc.tuple(fc.constantFrom(...near), fc.integer({ min: -240, max: 240 })).map(([t, m]) => t + m * 60_000),
  );
};

const caseArb = fc
  .tuple(fc.constantFrom(...ZONES), fc.constantFrom(...PATTERNS))
  .chain(([zone, expression]) => fc.record({ zone: fc.constant(zone), expression: fc.constant(expression), t: instantArb(zone) }));

test('previous(t) <= t < next(t), nothing fires between them, and previous(next(t) + 1 ms) is next(t)', () => {
  const numRuns = Number(process.env.CALENDAR_RUNS ?? 300);
  const seed = Number(process.env.CALENDAR_SEED ?? 20261129);
  fc.assert(
    fc.property(caseArb, ({ zone, expression, t }) => {
      const s = createCronSchedule(expression, zone);
      const previous = s.previous(new Date(t))!.getTime();
      const next = s.next(new Date(t))!.getTime();
      assert.ok(
        previous <= t && t < next,
        `${new Date(previous).toISOString()} <= ${new Date(t).toISOString()} < ${new Date(next).toISOString()}`,
      );
      assert.deepEqual(firingsBetween(expression, zone, previous, next), [previous, next]);
      assert.equal(s.previous(new Date(next + 1))!.getTime(), next);
      assert.deepEqual(s.periodEndingAt(new Date(next)), { start: new Date(previous), end: new Date(next) });
    }),
    { numRuns, seed },
  );
});
