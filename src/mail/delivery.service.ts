import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Metrics, ReplyClass } from '../metrics/metrics.ts';
import type { Database } from '../store/database.ts';
import type { AcceptedDelivery, DeliveryContext, PreparedDelivery } from './delivery-context.ts';
import type { MailTransport } from './mail-transport.ts';
import type { MessageComposer } from './message-composer.ts';
import { claimDueDeliveries, recordOutcome, type ClaimedDelivery } from './outbox.repository.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { classifySmtpError, replyClassOf, retryDelayMs, type SmtpVerdict } from './smtp-outcome.ts';

/**
 * One pass over the outbox: claim due rows under a lease, ask the context who receives each one
 * now and with what, build the message by substitution, send, record the outcome. Called by the delivery worker, the CLI and
 * (through them) the scheduler; it never loops forever and never throws for a failed message.
 */
export interface DeliveryDeps {
  db: Kysely<Database>;
  config: Config;
  log: Logger;
  clock: Clock;
  transport: MailTransport;
  composer: MessageComposer;
  limiter: RateLimiter;
  context: DeliveryContext;
  /** Deliveries by outcome and reply class, send and SMTP durations. */
  metrics: Metrics;
}

export interface DeliverOptions {
  /** Rows to claim in this pass. */
  limit: number;
  /**
   * Aborting stops starting new sends: rows not yet handed to SMTP go back to the queue at once;
   * sends already handed to SMTP finish and are recorded.
   */
  signal?: AbortSignal;
  /** Aborting ends the SMTP transactions still in flight (a server that hangs, at the shutdown deadline); their rows go back to the queue. */
  abortSends?: AbortSignal;
  onProgress?: (outcome: DeliveryOutcome) => void;
}

export type DeliveryOutcome = 'sent' | 'failed' | 'bounced' | 'skipped' | 'deferred';

export interface DeliverReport {
  claimed: number;
  sent: number;
  failed: number;
  bounced: number;
  skipped: number;
  /** Returned to the queue without counting an attempt: the server, not the message, failed, or the pass was stopped. */
  deferred: number;
  /** The SMTP server could not be reached or dropped the connection: the worker should pause. */
  transportDown: boolean;
  /** What the connection failure said, when transportDown. */
  transportError: string | null;
  /** A 421/454 reply asked us to slow down. */
  throttled: boolean;
  /** The server refused (5xx) or deferred (4xx) something that is not about a recipient: nothing was bounced, the worker pauses. */
  refusal: { reply: string; permanent: boolean } | null;
  /** Editions the bounce circuit breaker stopped during this pass. */
  pausedEditions: string[];
}

export function emptyDeliverReport(): DeliverReport {
  return {
    claimed: 0,
    sent: 0,
    failed: 0,
    bounced: 0,
    skipped: 0,
    deferred: 0,
    transportDown: false,
    transportError: null,
    throttled: false,
    refusal: null,
    pausedEditions: [],
  };
}

export async function deliverPending(deps: DeliveryDeps, options: DeliverOptions): Promise<DeliverReport> {
  const report = emptyDeliverReport();
  if (options.signal?.aborted) return report;
  const now = deps.clock.now();
  const rows = await claimDueDeliveries(deps.db, {
    now,
    leaseUntil: new Date(now.getTime() + deps.config.mail.leaseSeconds * 1000),
    token: randomUUID(),
    limit: options.limit,
  });
  report.claimed = rows.length;
  const queue = rows.slice();
  const accepted: AcceptedDelivery[] = [];
  const count = (outcome: DeliveryOutcome, replyClass: ReplyClass = 'none'): void => {
    report[outcome] += 1;
    deps.metrics.countDelivery(outcome, replyClass);
    options.onProgress?.(outcome);
  };
  // On stop, every row not yet handed to SMTP goes back to the queue now, not when a lane stuck
  // on a silent server comes free (nor when the lease runs out after a restart).
  const released: Promise<void>[] = [];
  const releaseWaiting = (): void =>
    void released.push(...queue.splice(0).map(async (row) => count(await deferRow(deps, row, 'not attempted: delivery stopped'))));
  options.signal?.addEventListener('abort', releaseWaiting, { once: true });
  // Twice the pool size keeps every SMTP connection busy while the next message is being built.
  const lanes = Math.min(rows.length, deps.config.mail.maxConnections * 2);
  try {
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let row = queue.shift(); row; row = queue.shift()) {
          const held = holdReason(report, row, options.signal);
          if (held) count(await deferRow(deps, row, held));
          else {
            const done = await deliverOne(deps, row, report, options, accepted);
            count(done.outcome, done.replyClass);
          }
        }
      }),
    );
    await Promise.all(released);
    // Once per pass, not per message: the recipients' soft-bounce counts (list-health) start over.
    // The outcomes are recorded already: a failure here loses only the reset (the safe side).
    if (accepted.length > 0)
      await deps.context.afterAccepted(accepted).catch((error: unknown) => {
        deps.log.warn({ err: error, accepted: accepted.length }, 'soft-bounce counts not reset after a delivery pass');
      });
  } finally {
    options.signal?.removeEventListener('abort', releaseWaiting);
  }
  return report;
}

/** Why a claimed row is not sent in this pass, if it is not: the server is down or refusing, the pass was stopped, its edition was stopped. */
function holdReason(report: DeliverReport, row: ClaimedDelivery, signal: AbortSignal | undefined): string | undefined {
  if (report.transportDown) return 'not attempted: SMTP server unreachable';
  if (report.refusal) return `not attempted: sending paused, the SMTP server refused: ${report.refusal.reply}`;
  if (signal?.aborted) return 'not attempted: delivery stopped';
  if (row.editionId && report.pausedEditions.includes(row.editionId)) return 'not attempted: edition stopped by the bounce circuit breaker';
  return undefined;
}

async function deferRow(deps: DeliveryDeps, row: ClaimedDelivery, reply: string): Promise<'deferred'> {
  const now = deps.clock.now();
  await recordOutcome(deps.db, row, { status: 'queued', reply, nextAttemptAt: now }, now);
  return 'deferred';
}

/** How one claimed row ended, and the class of the SMTP reply that decided it ('none' before SMTP or without a reply). */
interface Finished {
  outcome: DeliveryOutcome;
  replyClass: ReplyClass;
  /** The message reached the transport (the send duration counts only those). */
  handed: boolean;
}

async function deliverOne(
  deps: DeliveryDeps,
  row: ClaimedDelivery,
  report: DeliverReport,
  options: DeliverOptions,
  accepted: AcceptedDelivery[],
): Promise<Finished> {
  const started = performance.now();
  const outcome = await buildAndSend(deps, row, report, options, accepted);
  if (outcome.handed) deps.metrics.observeSend((performance.now() - started) / 1000);
  return outcome;
}

async function buildAndSend(
  deps: DeliveryDeps,
  row: ClaimedDelivery,
  report: DeliverReport,
  options: DeliverOptions,
  accepted: AcceptedDelivery[],
): Promise<Finished> {
  const { db, clock, composer } = deps;
  const before = (outcome: DeliveryOutcome): Finished => ({ outcome, replyClass: 'none', handed: false });
  // The recipient is read just before the send: one who left a second ago gets nothing. (A
  // database failure here ends the pass, as any other would: it is not this row's fault.)
  const prepared: PreparedDelivery | { skip: string } = await deps.context.prepare(row);
  if ('skip' in prepared) {
    await recordOutcome(db, row, { status: 'skipped', reply: prepared.skip }, clock.now());
    return before('skipped');
  }
  let raw: Buffer;
  try {
    const { content } = prepared;
    const template = await composer.templateFor(content.key, () => content.render());
    raw = template.render({
      to: prepared.to,
      messageId: composer.messageId(row.id),
      date: clock.now(),
      values: prepared.personal,
      headers: composer.deliveryHeadersFor(row.id),
    });
    await deps.limiter.acquire(options.signal);
  } catch (error) {
    if (options.signal?.aborted) return before(await deferRow(deps, row, 'not attempted: delivery stopped'));
    // A render failure is ours, not the recipient's: retried like a temporary failure, and logged.
    deps.log.error({ err: error, delivery: row.id }, 'could not build the message');
    return before(await recordFailure(deps, row, `render failed: ${(error as Error).message}`));
  }
  // Stopped while this message was being built: it was never handed to SMTP, so it goes back now.
  if (options.signal?.aborted) return before(await deferRow(deps, row, 'not attempted: delivery stopped'));
  const handed = performance.now();
  try {
    const reply = await deps.transport.send({ from: composer.envelopeSenderFor(row.id), to: prepared.to }, raw, row.id, options.abortSends);
    deps.metrics.observeSmtpRoundTrip((performance.now() - handed) / 1000);
    const at = clock.now();
    await recordOutcome(db, row, { status: 'sent', reply }, at);
    accepted.push({ delivery: row, at });
    return { outcome: 'sent', replyClass: replyClassOf(reply), handed: true };
  } catch (error) {
    deps.metrics.observeSmtpRoundTrip((performance.now() - handed) / 1000);
    const outcome = await recordSmtpError(deps, row, classifySmtpError(error), report);
    return { outcome, replyClass: replyClassOf(error), handed: true };
  }
}

async function recordSmtpError(
  deps: DeliveryDeps,
  row: ClaimedDelivery,
  verdict: SmtpVerdict,
  report: DeliverReport,
): Promise<DeliveryOutcome> {
  const now = deps.clock.now();
  switch (verdict.kind) {
    case 'bounce':
      return recordBounce(deps, row, verdict.reply, report);
    case 'retry':
      report.throttled ||= verdict.slowDown;
      return recordFailure(deps, row, verdict.reply);
    case 'local':
      return recordFailure(deps, row, verdict.reply);
    case 'refused':
      // The server's problem, not this subscriber's: nobody is bounced, the worker pauses.
      report.refusal ??= { reply: verdict.reply, permanent: verdict.permanent };
      if (verdict.countsAttempt) return recordFailure(deps, row, verdict.reply);
      await recordOutcome(deps.db, row, { status: 'queued', reply: verdict.reply, nextAttemptAt: now }, now);
      return 'deferred';
    case 'aborted':
      // Stuck at the shutdown deadline. If the server had the message already, the retry
      // carries the same Message-ID: the only duplicates are messages it may have accepted.
      await recordOutcome(
        deps.db,
        row,
        { status: 'queued', reply: `${verdict.reply} (SMTP transaction ended at shutdown)`, nextAttemptAt: now },
        now,
      );
      return 'deferred';
    case 'unreachable':
      report.transportDown = true;
      report.transportError ??= verdict.reply;
      // After DATA the server may have the message already: it counts as an attempt, and the retry
      // carries the same Message-ID so a receiving system can drop the duplicate.
      if (verdict.afterData) return recordFailure(deps, row, `uncertain: ${verdict.reply}`);
      await recordOutcome(deps.db, row, { status: 'queued', reply: verdict.reply, nextAttemptAt: now }, now);
      return 'deferred';
  }
}

async function recordBounce(deps: DeliveryDeps, row: ClaimedDelivery, reply: string, report: DeliverReport): Promise<'bounced'> {
  const bounce = { recipientId: row.recipientId, editionId: row.editionId, reply, at: deps.clock.now(), source: 'smtp' };
  await deps.db.transaction().execute(async (tx) => {
    await recordOutcome(tx, row, { status: 'bounced', reply }, bounce.at);
    await deps.context.onHardBounce(tx, bounce);
  });
  deps.log.warn(
    { delivery: row.id, subscriber: row.recipientId, reply },
    'permanent failure about the recipient: subscriber marked bounced',
  );
  const { holdEdition } = await deps.context.afterHardBounce(bounce);
  if (holdEdition && row.editionId && !report.pausedEditions.includes(row.editionId)) report.pausedEditions.push(row.editionId);
  return 'bounced';
}

async function recordFailure(deps: DeliveryDeps, row: ClaimedDelivery, reply: string): Promise<'failed'> {
  const now = deps.clock.now();
  const attempt = row.attempts + 1;
  const exhausted = attempt >= deps.config.mail.maxAttempts;
  const nextAttemptAt = exhausted ? null : new Date(now.getTime() + retryDelayMs(attempt, deps.config.mail.retryBaseSeconds));
  await recordOutcome(deps.db, row, { status: 'failed', reply, nextAttemptAt }, now);
  return 'failed';
}
