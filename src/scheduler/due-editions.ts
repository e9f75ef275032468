import type { Kysely } from 'kysely';
import type { Frequency } from '../config/config.schema.ts';
import { findLatestEdition } from '../digest/edition.repository.ts';
import { createDueEdition, type CreatedEdition } from '../digest/edition.service.ts';
import type { Database } from '../store/database.ts';
import type { CronSchedule } from './cron-schedule.ts';

/** How many missed firings a restart catches up on, at most (a week of dailies, a month of weeklies). */
const MAX_CATCH_UP = { daily: 7, weekly: 5 } as const;

/**
 * Creates every edition of `frequency` that has come due and does not exist yet: the one due at
 * the last firing of its schedule, and those missed while the service was down. Each covers the
 * period between two firings, so a catch-up edition holds the articles it would have held.
 * Idempotent: editions are keyed by their period end, so a second call, a second instance or a
 * tick after a catch-up creates nothing twice. A period with nothing new creates nothing.
 */
export async function createDueEditions(db: Kysely<Database>, frequency: Exclude<Frequency, 'instant'>, schedule: CronSchedule, now: Date): Promise<CreatedEdition[]> {
  const due = schedule.previous(now);
  if (!due) return [];
  const latest = await findLatestEdition(db, frequency);
  // Walk back from `due` to the end of the latest edition (or one period, on a first run):
  // firings[0] only opens the first period; every later firing closes one.
  const firings: Date[] = [due];
  const limit = latest ? MAX_CATCH_UP[frequency] : 1;
  while (firings.length <= limit) {
    const earlier = schedule.previous(new Date(firings[0]!.getTime() - 1));
    if (!earlier) break;
    firings.unshift(earlier);
    if (latest && earlier <= latest.periodEnd) break;
  }
  const created: CreatedEdition[] = [];
  for (let i = 1; i < firings.length; i++) {
    if (latest && firings[i]! <= latest.periodEnd) continue;
    const edition = await createDueEdition(db, frequency, firings[i - 1]!, firings[i]!, now);
    if (edition?.created) created.push(edition);
  }
  return created;
}
