import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCronSchedule, cronExpressionProblem } from '../../src/shared/cron-schedule.ts';

const iso = (d: Date | undefined): string | undefined => d?.toISOString();
const at = (s: string): Date => new Date(s);

interface Row {
  what: string;
  expression: string;
  zone: string;
  /** The instant asked about. */
  t: string;
  next: string;
  previous: string;
}

// 2026: London jumps 01:00Z Mar 29 (GMT→BST) and back 01:00Z Oct 25; New York 07:00Z Mar 8
// (EST→EDT) and back 06:00Z Nov 1.
const rows: Row[] = [
  {
    what: 'London daily 07:00 across the spring change',
    expression: '0 7 * * *',
    zone: 'Europe/London',
    t: '2026-03-28T12:00:00Z',
    next: '2026-03-29T06:00:00.000Z',
    previous: '2026-03-28T07:00:00.000Z',
  },
  {
    what: 'London daily 07:00 across the autumn change',
    expression: '0 7 * * *',
    zone: 'Europe/London',
    t: '2026-10-25T03:00:00Z',
    next: '2026-10-25T07:00:00.000Z',
    previous: '2026-10-24T06:00:00.000Z',
  },
  {
    what: 'London 01:30 skipped in spring: once, moved by the jump',
    expression: '30 1 * * *',
    zone: 'Europe/London',
    t: '2026-03-29T01:10:00Z',
    next: '2026-03-29T01:30:00.000Z',
    previous: '2026-03-28T01:30:00.000Z',
  },
  {
    what: 'London 01:30 after its moved spring firing',
    expression: '30 1 * * *',
    zone: 'Europe/London',
    t: '2026-03-29T02:00:00Z',
    next: '2026-03-30T00:30:00.000Z',
    previous: '2026-03-29T01:30:00.000Z',
  },
  {
    what: 'London 01:30 repeated in autumn: the first occurrence only',
    expression: '30 1 * * *',
    zone: 'Europe/London',
    t: '2026-10-25T01:45:00Z',
    next: '2026-10-26T01:30:00.000Z',
    previous: '2026-10-25T00:30:00.000Z',
  },
  {
    what: 'New York 02:30 skipped in spring: once, moved by the jump',
    expression: '30 2 * * *',
    zone: 'America/New_York',
    t: '2026-03-08T06:00:00Z',
    next: '2026-03-08T07:30:00.000Z',
    previous: '2026-03-07T07:30:00.000Z',
  },
  {
    what: 'New York 01:30 repeated in autumn: the first occurrence only',
    expression: '30 1 * * *',
    zone: 'America/New_York',
    t: '2026-11-01T06:10:00Z',
    next: '2026-11-02T06:30:00.000Z',
    previous: '2026-11-01T05:30:00.000Z',
  },
  {
    what: 'New York daily 09:00 across the autumn change',
    expression: '0 9 * * *',
    zone: 'America/New_York',
    t: '2026-10-31T20:00:00Z',
    next: '2026-11-01T14:00:00.000Z',
    previous: '2026-10-31T13:00:00.000Z',
  },
  {
    what: 'every minute inside the London spring jump',
    expression: '* * * * *',
    zone: 'Europe/London',
    t: '2026-03-29T00:59:30Z',
    next: '2026-03-29T01:00:00.000Z',
    previous: '2026-03-29T00:59:00.000Z',
  },
  {
    what: 'every minute on an exact firing (previous is at or before)',
    expression: '* * * * *',
    zone: 'America/New_York',
    t: '2026-11-02T12:00:00Z',
    next: '2026-11-02T12:01:00.000Z',
    previous: '2026-11-02T12:00:00.000Z',
  },
  {
    what: 'every minute in the repeated New York hour: first pass only',
    expression: '* * * * *',
    zone: 'America/New_York',
    t: '2026-11-01T06:20:00Z',
    next: '2026-11-01T07:00:00.000Z',
    previous: '2026-11-01T05:59:00.000Z',
  },
  {
    what: 'weekly Monday 08:00 London, over the autumn change',
    expression: '0 8 * * 1',
    zone: 'Europe/London',
    t: '2026-10-22T12:00:00Z',
    next: '2026-10-26T08:00:00.000Z',
    previous: '2026-10-19T07:00:00.000Z',
  },
  {
    what: 'weekly Monday 09:00 New York, over the spring change',
    expression: '0 9 * * MON',
    zone: 'America/New_York',
    t: '2026-03-05T12:00:00Z',
    next: '2026-03-09T13:00:00.000Z',
    previous: '2026-03-02T14:00:00.000Z',
  },
  {
    what: 'the 31st: months without one are passed over',
    expression: '0 6 31 * *',
    zone: 'Europe/London',
    t: '2026-03-31T12:00:00Z',
    next: '2026-05-31T05:00:00.000Z',
    previous: '2026-03-31T05:00:00.000Z',
  },
  {
    what: 'the 31st, backwards over February and a leap year',
    expression: '0 6 31 * *',
    zone: 'America/New_York',
    t: '2028-03-15T00:00:00Z',
    next: '2028-03-31T10:00:00.000Z',
    previous: '2028-01-31T11:00:00.000Z',
  },
];

describe('the calendar (table)', () => {
  for (const row of rows) {
    it(row.what, () => {
      const s = createCronSchedule(row.expression, row.zone);
      assert.equal(iso(s.next(at(row.t))), row.next);
      assert.equal(iso(s.previous(at(row.t))), row.previous);
      // An edition made at the next firing covers the time since the previous one.
      const period = s.periodEndingAt(at(row.next));
      assert.equal(iso(period.start), row.previous);
      assert.equal(iso(period.end), row.next);
    });
  }

  it('accepts only what both the ticker and the calendar read', () => {
    assert.equal(cronExpressionProblem('*/5 * * * *'), undefined);
    assert.equal(cronExpressionProblem('0 */10 * * * *'), undefined);
    assert.equal(cronExpressionProblem('0 7 * * MON'), undefined);
    assert.match(cronExpressionProblem('0 0 31 2 *') ?? '', /node-cron/); // a date that never comes
    assert.ok(cronExpressionProblem('61 * * * *'));
    assert.ok(cronExpressionProblem('0 0 0 1 1 * 2030')); // a year field: neither ticks it
  });
});
