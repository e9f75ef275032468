import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import type { Logger } from '../shared/logger.ts';
import { countEditionDeliveries } from '../mail/outbox.repository.ts';
import type { Database } from '../store/database.ts';
import { countEditionBouncesSince } from '../subscribers/subscriber-event.repository.ts';
import { findEditionPause, pauseEdition } from './edition-pause.repository.ts';

/**
 * The bounce circuit breaker. A hard bounce is recorded as an event; when an unusual share of one
 * edition's recipients bounce within a short window, the edition is stopped: its remaining rows
 * stay queued and nobody else is bounced until an operator looks. A healthy double opt-in list
 * bounces well under 2 % per send; a relay that answers "5.1.1 user unknown" to everyone (a
 * wrong route, a provider outage) bounces nearly all of it. Defaults: 5 % of the edition and at
 * least 10 recipients within 10 minutes (5 % is where Amazon SES puts an account under review;
 * the floor of 10 keeps a small list from stopping over two stale addresses).
 *
 * Synchronous SMTP bounces and asynchronous bounce reports (DSNs, provider webhooks) feed the
 * same two functions: recordSubscriberBounce (subscribers/subscriber-bounce.ts) in the
 * transaction that bounces the subscriber, then checkBounceBreaker once it has committed.
 */

export interface BounceBreakerDeps {
  db: Kysely<Database>;
  settings: Config['mail']['bounceBreaker'];
  log: Logger;
}

export interface BreakerVerdict {
  tripped: boolean;
  bounced: number;
  recipients: number;
}

/** Pure: does this count of recent bounces out of the edition's recipients trip the breaker? */
export function isBreakerTripped(settings: { share: number; minBounces: number }, bounced: number, recipients: number): boolean {
  return bounced >= settings.minBounces && recipients > 0 && bounced / recipients >= settings.share;
}

/**
 * Counts the edition's bounces in the window (only those after an operator's last resume) and
 * stops the edition when they are too many. Returns what it found; idempotent.
 */
export async function checkBounceBreaker(deps: BounceBreakerDeps, editionId: string | null, now: Date): Promise<BreakerVerdict> {
  if (!editionId) return { tripped: false, bounced: 0, recipients: 0 };
  const pause = await findEditionPause(deps.db, editionId);
  if (pause && !pause.resumedAt) return { tripped: true, bounced: 0, recipients: 0 };
  const windowStart = now.getTime() - deps.settings.windowMinutes * 60_000;
  const since = new Date(Math.max(windowStart, pause?.resumedAt?.getTime() ?? 0));
  const [bounced, recipients] = await Promise.all([
    countEditionBouncesSince(deps.db, editionId, since),
    countEditionDeliveries(deps.db, editionId),
  ]);
  if (!isBreakerTripped(deps.settings, bounced, recipients)) return { tripped: false, bounced, recipients };
  const reason = `${bounced} of ${recipients} recipients hard-bounced within ${deps.settings.windowMinutes} min (limit ${Math.round(deps.settings.share * 1000) / 10} %, at least ${deps.settings.minBounces})`;
  await pauseEdition(deps.db, editionId, reason, now);
  deps.log.error(
    { edition: editionId, bounced, recipients },
    `bounce circuit breaker: edition ${editionId} stopped, its remaining deliveries stay queued: ${reason}. Check the replies with \`gazette digest status --edition ${editionId}\`, restore wrongly bounced subscribers with \`gazette digest restore\`, then \`gazette digest resume --edition ${editionId}\`.`,
  );
  return { tripped: true, bounced, recipients };
}

export interface ComplaintBreakerDeps {
  db: Kysely<Database>;
  settings: Config['mail']['complaintBreaker'];
  log: Logger;
}

/**
 * The same breaker fed by complaints: Gmail and Yahoo ask bulk senders to stay under 0.3 %
 * complaints, so an edition whose readers complain past that share (and at least minComplaints,
 * default 3, so one reader of a small list stops nothing) is stopped like a bouncing one.
 * Complaints arrive over days, so there is no window: every complaint of the edition since an
 * operator's last resume counts.
 */
export async function checkComplaintBreaker(deps: ComplaintBreakerDeps, editionId: string | null, now: Date): Promise<BreakerVerdict> {
  if (!editionId) return { tripped: false, bounced: 0, recipients: 0 };
  const pause = await findEditionPause(deps.db, editionId);
  if (pause && !pause.resumedAt) return { tripped: true, bounced: 0, recipients: 0 };
  const [complained, recipients] = await Promise.all([
    countEditionBouncesSince(deps.db, editionId, pause?.resumedAt ?? new Date(0), 'complained'),
    countEditionDeliveries(deps.db, editionId),
  ]);
  const settings = { share: deps.settings.share, minBounces: deps.settings.minComplaints };
  if (!isBreakerTripped(settings, complained, recipients)) return { tripped: false, bounced: complained, recipients };
  const reason = `${complained} of ${recipients} recipients complained (limit ${Math.round(deps.settings.share * 10000) / 100} %, at least ${deps.settings.minComplaints})`;
  await pauseEdition(deps.db, editionId, reason, now);
  deps.log.error(
    { edition: editionId, complained, recipients },
    `complaint circuit breaker: edition ${editionId} stopped, its remaining deliveries stay queued: ${reason}. Check the content and the audience, then \`gazette digest resume --edition ${editionId}\`.`,
  );
  return { tripped: true, bounced: complained, recipients };
}
