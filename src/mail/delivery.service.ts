import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Database } from '../store/database.ts';
import type { MailTransport } from './mail-transport.ts';
import type { MessageComposer } from './message-composer.ts';
import type { MimeTemplate } from './mime-template.ts';
import { claimDueDeliveries, recordOutcome, type ClaimedDelivery } from './outbox.repository.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { findRecipient, markSubscriberBounced, type Recipient } from './recipient.repository.ts';
import { classifySmtpError, retryDelayMs } from './smtp-outcome.ts';

/**
 * One pass over the outbox: claim due rows under a lease, re-check each subscriber, build the
 * message by substitution, send, record the outcome. Called by the delivery worker, the CLI and
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
  /** The compiled template of a delivery's content (edition or transactional), cached by the composer. */
  templateOf(delivery: ClaimedDelivery, recipient: Recipient): Promise<MimeTemplate>;
}

export interface DeliverOptions {
  /** Rows to claim in this pass. */
  limit: number;
  /** Aborting stops starting new sends; sends already handed to SMTP finish and are recorded. */
  signal?: AbortSignal;
  onProgress?: (outcome: DeliveryOutcome) => void;
}

export type DeliveryOutcome = 'sent' | 'failed' | 'bounced' | 'skipped' | 'deferred';

export interface DeliverReport {
  claimed: number;
  sent: number;
  failed: number;
  bounced: number;
  skipped: number;
  /** Returned to the queue untouched: the transport was down, or the pass was stopped. */
  deferred: number;
  /** The SMTP server could not be reached or dropped the connection: the worker should pause. */
  transportDown: boolean;
  /** A 421/454 reply asked us to slow down. */
  throttled: boolean;
}

/** Statuses that may receive each kind of mail: a subscriber who left a second ago gets nothing. */
function isEligible(kind: ClaimedDelivery['kind'], recipient: Recipient): boolean {
  return kind === 'confirmation' ? recipient.status === 'pending' : recipient.status === 'confirmed';
}

export async function deliverPending(deps: DeliveryDeps, options: DeliverOptions): Promise<DeliverReport> {
  const report: DeliverReport = { claimed: 0, sent: 0, failed: 0, bounced: 0, skipped: 0, deferred: 0, transportDown: false, throttled: false };
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
  // Twice the pool size keeps every SMTP connection busy while the next message is being built.
  const lanes = Math.min(rows.length, deps.config.mail.maxConnections * 2);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        const outcome = report.transportDown || options.signal?.aborted ? await deferRow(deps, row, report) : await deliverOne(deps, row, report, options.signal);
        report[outcome] += 1;
        options.onProgress?.(outcome);
      }
    }),
  );
  return report;
}

async function deferRow(deps: DeliveryDeps, row: ClaimedDelivery, report: DeliverReport): Promise<'deferred'> {
  const now = deps.clock.now();
  const reply = report.transportDown ? 'not attempted: SMTP server unreachable' : 'not attempted: delivery stopped';
  await recordOutcome(deps.db, row, { status: 'queued', reply, nextAttemptAt: now }, now);
  return 'deferred';
}

async function deliverOne(deps: DeliveryDeps, row: ClaimedDelivery, report: DeliverReport, signal: AbortSignal | undefined): Promise<DeliveryOutcome> {
  const { db, clock, composer } = deps;
  const recipient = await findRecipient(db, row.subscriberId);
  if (!recipient || !isEligible(row.kind, recipient)) {
    await recordOutcome(db, row, { status: 'skipped', reply: `not sent: subscriber is ${recipient?.status ?? 'deleted'}` }, clock.now());
    return 'skipped';
  }
  let raw: Buffer;
  try {
    const template = await deps.templateOf(row, recipient);
    raw = template.render({ to: recipient.email, messageId: composer.messageId(row.id), date: clock.now(), values: composer.personalValues(recipient, row.params) });
    await deps.limiter.acquire(signal);
  } catch (error) {
    if (signal?.aborted) return deferRow(deps, row, report);
    // A render failure is ours, not the recipient's: retried like a temporary failure, and logged.
    deps.log.error({ err: error, delivery: row.id }, 'could not build the message');
    return recordFailure(deps, row, `render failed: ${(error as Error).message}`);
  }
  try {
    const reply = await deps.transport.send({ from: composer.envelopeFrom, to: recipient.email }, raw, row.id);
    await recordOutcome(db, row, { status: 'sent', reply }, clock.now());
    return 'sent';
  } catch (error) {
    return recordSmtpError(deps, row, recipient, error, report);
  }
}

async function recordSmtpError(deps: DeliveryDeps, row: ClaimedDelivery, recipient: Recipient, error: unknown, report: DeliverReport): Promise<DeliveryOutcome> {
  const verdict = classifySmtpError(error);
  const now = deps.clock.now();
  if (verdict.kind === 'permanent') {
    await deps.db.transaction().execute(async (tx) => {
      await recordOutcome(tx, row, { status: 'bounced', reply: verdict.reply }, now);
      await markSubscriberBounced(tx, recipient.id, now);
    });
    deps.log.warn({ delivery: row.id, subscriber: recipient.id, reply: verdict.reply }, 'permanent failure: subscriber marked bounced');
    return 'bounced';
  }
  if (verdict.kind === 'temporary') {
    report.throttled ||= verdict.slowDown;
    return recordFailure(deps, row, verdict.reply);
  }
  report.transportDown = true;
  // After DATA the server may have the message already: it counts as an attempt, and the retry
  // carries the same Message-ID so a receiving system can drop the duplicate.
  if (verdict.afterData) return recordFailure(deps, row, `uncertain: ${verdict.reply}`);
  await recordOutcome(deps.db, row, { status: 'queued', reply: verdict.reply, nextAttemptAt: now }, now);
  return 'deferred';
}

async function recordFailure(deps: DeliveryDeps, row: ClaimedDelivery, reply: string): Promise<'failed'> {
  const now = deps.clock.now();
  const attempt = row.attempts + 1;
  const exhausted = attempt >= deps.config.mail.maxAttempts;
  const nextAttemptAt = exhausted ? null : new Date(now.getTime() + retryDelayMs(attempt, deps.config.mail.retryBaseSeconds));
  await recordOutcome(deps.db, row, { status: 'failed', reply, nextAttemptAt }, now);
  return 'failed';
}
