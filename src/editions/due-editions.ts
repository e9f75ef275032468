import type { Kysely } from 'kysely';
import type { CronSchedule } from '../shared/cron-schedule.ts';
import type { DigestFrequency } from '../shared/frequency.ts';
import type { Database } from '../store/database.ts';
import { findLatestEdition } from './edition.repository.ts';
import { createDueEdition, type CreatedEdition } from './edition.service.ts';
import { readMailingStart } from './mailing-start.ts';

/** How many missed firings a restart catches up on, at most (a week of dailies, five weeklies). */
const MAX_CATCH_UP = { daily: 7, weekly: 5 } as const;

/**
 * An edition also takes what became visible in the minute after its firing: the file a scan on
 * the same tick picked up, or the digest job's own ingest just before it made the edition. Never
 * more, so that a firing that found nothing is not filled hours later by a restart's catch-up.
 */
export const FIRING_GRACE_MS = 60_000;

export interface DueEditionsOptions {
  /**
   * Leaves alone the firings younger than this: for the minutely safety net, so that it never
   * beats the digest job (still ingesting) to the edition of the firing that job is making.
   */
  settleMs?: number;
}

/**
 * Creates every edition of `frequency` that has come due and does not exist yet: the one due at
 * the last firing of its schedule, and those missed while the service was down (at most
 * MAX_CATCH_UP, back to the latest edition or, before the first one, to the mailing start). An
 * article goes in the first of them after it became visible (FIRING_GRACE_MS included), whatever
 * its date: one missed by an earlier firing (its file arrived late, a scan on another instance
 * raced this job) joins the next one.
 * Idempotent: editions are keyed by their period end, so a second call, a second instance or a
 * tick after a catch-up creates nothing twice. A firing with nothing new creates nothing.
 */
export async function createDueEditions(
  db: Kysely<Database>,
  frequency: DigestFrequency,
  schedule: CronSchedule,
  now: Date,
  options: DueEditionsOptions = {},
): Promise<CreatedEdition[]> {
  const due = schedule.previous(new Date(now.getTime() - (options.settleMs ?? 0)));
  if (!due) return [];
  const after = (await findLatestEdition(db, frequency))?.periodEnd ?? (await readMailingStart(db));
  const firings: Date[] = [];
  for (let f: Date | undefined = due; f && f > after && firings.length < MAX_CATCH_UP[frequency]; f = schedule.periodEndingAt(f).start)
    firings.unshift(f);
  const created: CreatedEdition[] = [];
  for (const firing of firings) {
    const period = schedule.periodEndingAt(firing);
    const until = new Date(Math.min(now.getTime(), firing.getTime() + FIRING_GRACE_MS));
    const edition = await createDueEdition(db, frequency, period.start ?? after, period.end, now, until);
    if (edition?.created) created.push(edition);
  }
  return created;
}
