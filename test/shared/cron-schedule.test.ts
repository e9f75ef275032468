import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCronSchedule } from '../../src/shared/cron-schedule.ts';

const iso = (d: Date | undefined): string | undefined => d?.toISOString();

describe('createCronSchedule', () => {
  it('fires a daily local time at the right UTC instant on both sides of a DST change', () => {
    const s = createCronSchedule('0 7 * * *', 'Europe/London');
    assert.equal(iso(s.next(new Date('2026-03-28T12:00:00Z'))), '2026-03-29T06:00:00.000Z'); // BST starts that night
    assert.equal(iso(s.next(new Date('2026-03-27T12:00:00Z'))), '2026-03-28T07:00:00.000Z'); // still GMT
    assert.equal(iso(s.next(new Date('2026-10-24T12:00:00Z'))), '2026-10-25T07:00:00.000Z'); // back to GMT
  });

  it('fires a time skipped by the spring jump once, right after the jump', () => {
    const s = createCronSchedule('30 1 * * *', 'Europe/London');
    assert.equal(iso(s.next(new Date('2026-03-28T12:00:00Z'))), '2026-03-29T01:30:00.000Z'); // 02:30 BST
    assert.equal(iso(s.next(new Date('2026-03-29T01:30:00Z'))), '2026-03-30T00:30:00.000Z');
  });

  it('fires a time repeated in autumn once, at its first occurrence', () => {
    const s = createCronSchedule('30 1 * * *', 'Europe/London');
    const first = s.next(new Date('2026-10-24T12:00:00Z'));
    assert.equal(iso(first), '2026-10-25T00:30:00.000Z'); // 01:30 BST
    assert.equal(iso(s.next(first!)), '2026-10-26T01:30:00.000Z'); // not again at 01:30 GMT
  });

  it('handles America/New_York and a weekly day', () => {
    const s = createCronSchedule('0 9 * * 1', 'America/New_York');
    assert.equal(iso(s.next(new Date('2026-11-26T00:00:00Z'))), '2026-11-30T14:00:00.000Z');
    assert.equal(iso(s.previous(new Date('2026-11-26T00:00:00Z'))), '2026-11-23T14:00:00.000Z');
  });

  it('finds the previous firing at or before a time', () => {
    const s = createCronSchedule('0 7 * * *', 'Europe/London');
    assert.equal(iso(s.previous(new Date('2026-11-26T07:00:00Z'))), '2026-11-26T07:00:00.000Z');
    assert.equal(iso(s.previous(new Date('2026-11-26T06:59:59Z'))), '2026-11-25T07:00:00.000Z');
  });

  it('supports six-field expressions with seconds, and vixie day-of-month OR day-of-week', () => {
    assert.equal(iso(createCronSchedule('*/10 * * * * *', 'UTC').next(new Date('2026-11-26T12:00:31Z'))), '2026-11-26T12:00:40.000Z');
    assert.equal(iso(createCronSchedule('0 0 1,15 * 5', 'UTC').next(new Date('2026-11-26T12:00:00Z'))), '2026-11-27T00:00:00.000Z');
  });

  it('rejects an invalid expression', () => {
    assert.throws(() => createCronSchedule('61 * * * *', 'UTC'), /not a valid cron expression/);
  });
});
