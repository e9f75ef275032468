import { Cron } from 'croner';
import cron from 'node-cron';
import { Temporal } from 'temporal-polyfill';

/**
 * The one answer to every calendar question (when next, when last, which period an edition
 * covers) for a cron expression in an IANA timezone. node-cron does the live ticking; this module
 * serves status pages, job records, catch-up after downtime and tests with a fixed clock.
 *
 * A firing is a wall-clock time that matches the expression (croner reads the expression, on a
 * calendar without daylight saving), placed on the timeline by Temporal's "compatible" rule: a
 * time skipped by the spring jump fires once, moved forward by the length of the jump; a time
 * repeated in autumn fires once, at its first occurrence. (croner's own timezone mode would fire
 * a skipped fixed time at the jump itself and an every-minute job twice through the repeated
 * hour; the product's promise, pinned by the DST tests, is the rule above.)
 */
export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first firing strictly after `after`. */
  next(after: Date): Date | undefined;
  /** The last firing at or before `atOrBefore`. */
  previous(atOrBefore: Date): Date | undefined;
  /** What an edition made at `firing` covers: from the firing before it (exclusive) to `firing`; no start when none came before. */
  periodEndingAt(firing: Date): Period;
}

export interface Period {
  start: Date | undefined;
  end: Date;
}

/** Longer than any daylight-saving change in the tz database (Antarctica/Troll's is two hours). */
const MAX_JUMP_MS = 3 * 3600_000;
/** Wall-clock candidates read at once when searching backwards. */
const BATCH = 8;
/** The pattern is read on a calendar without daylight saving (a fixed offset of 0 is also croner's fastest mode). */
const CRON_OPTIONS = { utcOffset: 0, paused: true, mode: '5-or-6-parts', domAndDow: false } as const;

/**
 * Why `expression` cannot be scheduled, or undefined when it can: both the ticker (node-cron) and
 * the calendar (croner) must read it, so that what runs and what the status page says agree.
 */
export function cronExpressionProblem(expression: string): string | undefined {
  if (!cron.validate(expression)) return 'node-cron cannot tick it';
  try {
    new Cron(expression, CRON_OPTIONS);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function createCronSchedule(expression: string, timeZone: string): CronSchedule {
  const problem = cronExpressionProblem(expression);
  if (problem) throw new Error(`"${expression}" is not a valid cron expression (${problem})`);
  const pattern = new Cron(expression, CRON_OPTIONS);
  const place = (wall: Date): number => placeWallTime(wall, timeZone);

  const schedule: CronSchedule = {
    expression,
    timeZone,
    next(after) {
      // Wall-clock order is instant order except around a daylight-saving change, where a wall
      // time up to the size of the change later can land earlier: there the search looks that far
      // either side and keeps the earliest.
      const t = after.getTime();
      const wallNow = readWallTime(t, timeZone);
      let best: number | undefined;
      let stopAt = Infinity;
      const from = wallNow - jumpNear(t, timeZone);
      for (let wall = pattern.nextRun(new Date(from)); wall && wall.getTime() <= stopAt; wall = pattern.nextRun(wall)) {
        const at = place(wall);
        if (at <= t || (best !== undefined && at >= best)) continue;
        best = at;
        if (stopAt === Infinity) stopAt = Math.max(wall.getTime(), wallNow) + jumpNear(at, timeZone);
      }
      return best === undefined ? undefined : new Date(best);
    },
    previous(atOrBefore) {
      const t = atOrBefore.getTime();
      const wallNow = readWallTime(t, timeZone);
      let best: number | undefined;
      let stopAt = -Infinity;
      let from = new Date(wallNow + jumpNear(t, timeZone) + 1);
      for (;;) {
        const walls = pattern.previousRuns(BATCH, from);
        for (const wall of walls) {
          if (wall.getTime() < stopAt) return best === undefined ? undefined : new Date(best);
          const at = place(wall);
          if (at > t || (best !== undefined && at <= best)) continue;
          best = at;
          if (stopAt === -Infinity) stopAt = Math.min(wall.getTime(), wallNow) - jumpNear(at, timeZone);
        }
        if (walls.length < BATCH) return best === undefined ? undefined : new Date(best);
        from = walls.at(-1)!;
      }
    },
    periodEndingAt(firing) {
      return { start: schedule.previous(new Date(firing.getTime() - 1)), end: firing };
    },
  };
  return schedule;
}

/** The size of a daylight-saving change of `timeZone` within MAX_JUMP_MS of instant `ms`, or 0 when there is none. */
function jumpNear(ms: number, timeZone: string): number {
  const before = Temporal.Instant.fromEpochMilliseconds(ms - MAX_JUMP_MS).toZonedDateTimeISO(timeZone);
  const change = before.getTimeZoneTransition('next');
  if (change === null || change.epochMilliseconds > ms + MAX_JUMP_MS) return 0;
  return Math.abs(change.offsetNanoseconds - before.offsetNanoseconds) / 1e6;
}

/** The wall-clock reading in `timeZone` at instant `ms`, as a Date whose UTC fields are that reading. */
function readWallTime(ms: number, timeZone: string): number {
  const wall = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toPlainDateTime();
  return Temporal.Instant.from(`${wall.toString()}Z`).epochMilliseconds;
}

/** The instant at which the wall clock in `timeZone` shows `wall` (UTC fields), by the "compatible" rule. */
function placeWallTime(wall: Date, timeZone: string): number {
  const plain = Temporal.Instant.fromEpochMilliseconds(wall.getTime()).toZonedDateTimeISO('UTC').toPlainDateTime();
  return plain.toZonedDateTime(timeZone, { disambiguation: 'compatible' }).epochMilliseconds;
}
