import { Temporal } from 'temporal-polyfill';

type WallTime = Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;

const MONTHS: Record<string, number> = {
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

export type DateParseResult = { ok: true; instant: Date } | { ok: false; code: 'InvalidDate' | 'ImpossibleDate'; message: string };

const EXPECTED = 'expected a date such as "4 September, 2025", "4 September 2025", "September 4, 2025" or "2025-09-04"';

/**
 * Reads line 1 of a seed file. Accepts the forms a person writes (day-month-year, month-day-year,
 * ISO; an optional weekday, ordinal suffixes, abbreviated months) and an ISO date-time with an
 * optional offset. A date without a time means midnight in `timeZone`.
 */
export function parseArticleDate(line: string, timeZone: string): DateParseResult {
  const text = line.trim().replace(/\s+/g, ' ');
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text);
  if (iso) {
    const [, y, m, d, hh, mm, ss, offset] = iso;
    return build({ year: +y!, month: +m!, day: +d!, hour: +(hh ?? 0), minute: +(mm ?? 0), second: +(ss ?? 0) }, timeZone, offset);
  }

  const withoutWeekday = /^([a-z]+),? (.*)$/i.exec(text);
  let weekday: number | undefined;
  let rest = text;
  if (
    withoutWeekday &&
    WEEKDAYS.some((w) => w.startsWith(withoutWeekday[1]!.toLowerCase()) && withoutWeekday[1]!.length >= 3) &&
    !MONTHS[withoutWeekday[1]!.toLowerCase()]
  ) {
    weekday = WEEKDAYS.findIndex((w) => w.startsWith(withoutWeekday[1]!.toLowerCase()));
    rest = withoutWeekday[2]!;
  }

  const dayFirst = /^(\d{1,2})(?:st|nd|rd|th)? (?:of )?([a-z]+)\.?,? (\d{4})$/i.exec(rest);
  const monthFirst = /^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$/i.exec(rest);
  let year: number, month: number | undefined, day: number;
  if (dayFirst) {
    [day, month, year] = [+dayFirst[1]!, MONTHS[dayFirst[2]!.toLowerCase()], +dayFirst[3]!];
  } else if (monthFirst) {
    [month, day, year] = [MONTHS[monthFirst[1]!.toLowerCase()], +monthFirst[2]!, +monthFirst[3]!];
  } else {
    return { ok: false, code: 'InvalidDate', message: `${EXPECTED}, got "${truncate(line)}"` };
  }
  if (month === undefined) return { ok: false, code: 'InvalidDate', message: `unknown month name in "${truncate(line)}"` };
  const result = build({ year, month, day, hour: 0, minute: 0, second: 0 }, timeZone, undefined);
  if (result.ok && weekday !== undefined && new Date(Date.UTC(year, month - 1, day)).getUTCDay() !== weekday) {
    const actual = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()]!;
    return {
      ok: false,
      code: 'ImpossibleDate',
      message: `"${truncate(line)}" names the wrong weekday: that date is a ${actual[0]!.toUpperCase()}${actual.slice(1)}`,
    };
  }
  return result;
}

function build(wall: WallTime, timeZone: string, offset: string | undefined): DateParseResult {
  if (!(
    wall.month >= 1 &&
    wall.month <= 12 &&
    wall.day >= 1 &&
    wall.day <= new Temporal.PlainYearMonth(wall.year, wall.month).daysInMonth
  )) {
    return { ok: false, code: 'ImpossibleDate', message: `${wall.year}-${pad(wall.month)}-${pad(wall.day)} is not a date on the calendar` };
  }
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 59) {
    return { ok: false, code: 'ImpossibleDate', message: `${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)} is not a time of day` };
  }
  if (wall.year < 1970 || wall.year > 9999)
    return { ok: false, code: 'ImpossibleDate', message: `the year ${wall.year} is out of range (1970-9999)` };
  if (offset) {
    const sign = offset.toUpperCase() === 'Z' ? 0 : offset.startsWith('-') ? -1 : 1;
    const digits = offset.replace(/[^0-9]/g, '');
    const minutes = sign === 0 ? 0 : sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
    const utc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - minutes * 60_000;
    return { ok: true, instant: new Date(utc) };
  }
  // A time skipped by a daylight-saving jump moves forward by the jump; a repeated one is its first occurrence.
  return {
    ok: true,
    instant: new Date(Temporal.PlainDateTime.from(wall).toZonedDateTime(timeZone, { disambiguation: 'compatible' }).epochMilliseconds),
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
