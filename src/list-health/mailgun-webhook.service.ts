import { z } from 'zod';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Db } from '../store/database.ts';
import { applyReports, type ReportTally } from './apply-reports.ts';
import type { ReportSink } from './delivery-report.ts';
import { isMailgunSignatureValid, mailgunReportsOf } from './mailgun-event.ts';
import type { DeliveryTagReader } from './report-fields.ts';
import { claimWebhookToken } from './webhook-replay.repository.ts';

export interface MailgunWebhookDeps {
  signingKey: string;
  db: Db;
  clock: Clock;
  reports: ReportSink;
  readDeliveryTag: DeliveryTagReader;
}

/**
 * How old a signed timestamp may be. Mailgun signs each attempt when it sends it; the window
 * only has to cover transit and clock skew. A token is remembered this long, after which the
 * timestamp check alone refuses it.
 */
export const MAILGUN_MAX_AGE_MS = 15 * 60 * 1000;

const mailgunBody = z.object({
  signature: z.object({
    timestamp: z.union([z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative()]).transform(String),
    token: z.string().min(1).max(200),
    signature: z.string().min(1).max(200),
  }),
  'event-data': z.unknown(),
});

const rejected = (why: string) => new GazetteError('WebhookRejected', `The Mailgun webhook was refused: ${why}.`);

/** One POST from Mailgun: signature, freshness, then the token's first use, before any report is applied. */
export async function receiveMailgunEvent(deps: MailgunWebhookDeps, body: unknown): Promise<ReportTally> {
  const parsed = mailgunBody.safeParse(body);
  if (!parsed.success) throw rejected('no signature');
  const { signature } = parsed.data;
  if (!isMailgunSignatureValid(deps.signingKey, signature)) throw rejected('bad signature');
  const now = deps.clock.now();
  const signedAt = Number(signature.timestamp) * 1000;
  if (Math.abs(now.getTime() - signedAt) > MAILGUN_MAX_AGE_MS) throw rejected('timestamp out of range');
  const expiresAt = new Date(signedAt + MAILGUN_MAX_AGE_MS);
  if (!(await claimWebhookToken(deps.db, 'mailgun', signature.token, expiresAt, now))) throw rejected('token already used');
  return applyReports(deps.reports, mailgunReportsOf(parsed.data['event-data'], deps.readDeliveryTag));
}
