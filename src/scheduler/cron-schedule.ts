import cron from 'node-cron';
import { fromWallTime, toWallTime } from '../shared/zoned-time.ts';

/**
 * When a cron expression fires, computed on the local calendar of an IANA timezone, so that
 * daylight-saving changes behave as a person expects: a time skipped by the spring jump fires
 * once, right after the jump; a time repeated in autumn fires once, at its first occurrence.
 * node-cron does the live ticking; this module answers "when next" and "when last" for status
 * pages, catch-up after downtime and tests with a fixed clock.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first firing strictly after `after`. */
  next(after: Date): Date | undefined;
  /** The last firing at or before `atOrBefore`. */
  previous(atOrBefore: Date): Date | undefined;
}

interface Fields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Vixie cron: when both day fields are restricted, a day matching either fires. */
  dayFieldsRestricted: boolean;
}

const SEARCH_DAYS = 366 * 5;

export function isValidCronExpression(expression: string): boolean {
  return cron.validate(expression);
}

export function createCronSchedule(expression: string, timeZone: string): CronSchedule {
  if (!cron.validate(expression)) throw new Error(`"${expression}" is not a valid cron expression`);
  const parsed = cron.parse(expression);
  const parts = expression.trim().split(/\s+/);
  const [dom, dow] = parts.length === 6 ? [parts[3], parts[5]] : [parts[2], parts[4]];
  const fields: Fields = {
    seconds: [...new Set(parsed.second)].sort((a, b) => a - b),
    minutes: [...new Set(parsed.minute)].sort((a, b) => a - b),
    hours: [...new Set(parsed.hour)].sort((a, b) => a - b),
    daysOfMonth: new Set(parsed.dayOfMonth.map(Number)),
    months: new Set(parsed.month.map(Number)),
    daysOfWeek: new Set(parsed.dayOfWeek.map((d) => Number(d) % 7)),
    dayFieldsRestricted: dom !== '*' && dow !== '*',
  };

  // Firings of one local day in order (ascending or descending), skipping whole hours that cannot
  // contain the answer, so that per-second expressions stay cheap.
  function* firingsOn(year: number, month: number, day: number, descending: boolean, skipHour: (last: Date, first: Date) => boolean): Generator<Date> {
    if (!dayMatches(fields, year, month, day)) return;
    const order = <T,>(xs: T[]): T[] => (descending ? [...xs].reverse() : xs);
    const at = (hour: number, minute: number, second: number): Date => fromWallTime({ year, month, day, hour, minute, second }, timeZone);
    for (const hour of order(fields.hours)) {
      const first = at(hour, fields.minutes[0]!, fields.seconds[0]!);
      const last = at(hour, fields.minutes.at(-1)!, fields.seconds.at(-1)!);
      if (skipHour(last, first)) continue;
      for (const minute of order(fields.minutes)) for (const second of order(fields.seconds)) yield at(hour, minute, second);
    }
  }

  const dayAt = (base: { year: number; month: number; day: number }, offset: number): [number, number, number] => {
    const d = new Date(Date.UTC(base.year, base.month - 1, base.day + offset));
    return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  };

  return {
    expression,
    timeZone,
    next(after) {
      const start = toWallTime(after, timeZone);
      for (let i = -1; i < SEARCH_DAYS; i++) {
        for (const t of firingsOn(...dayAt(start, i), false, (last) => last <= after)) if (t > after) return t;
      }
      return undefined;
    },
    previous(atOrBefore) {
      const start = toWallTime(atOrBefore, timeZone);
      for (let i = 1; i > -SEARCH_DAYS; i--) {
        for (const t of firingsOn(...dayAt(start, i), true, (_last, first) => first > atOrBefore)) if (t <= atOrBefore) return t;
      }
      return undefined;
    },
  };
}

function dayMatches(fields: Fields, year: number, month: number, day: number): boolean {
  if (!fields.months.has(month)) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const domOk = fields.daysOfMonth.has(day);
  const dowOk = fields.daysOfWeek.has(weekday);
  return fields.dayFieldsRestricted ? domOk || dowOk : domOk && dowOk;
}
