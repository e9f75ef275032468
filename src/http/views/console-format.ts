import type { Config } from '../../config/config.schema.ts';

/** Dates and times as the console shows them: in the site's timezone, to the minute, with the zone named. */
export interface ConsoleFormat {
  dateTime(date: Date | null | undefined): string;
  /** For `<time datetime>`. */
  iso(date: Date | null | undefined): string;
}

export function createConsoleFormat(config: Config): ConsoleFormat {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: config.site.timezone,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  return {
    dateTime: (date) => (date ? `${format.format(date)}` : '—'),
    iso: (date) => (date ? date.toISOString() : ''),
  };
}
