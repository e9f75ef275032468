import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Db } from '../store/database.ts';
import type { ReportTally } from './apply-reports.ts';
import { createDeliveryTags } from '../mail/verp.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { ReportSink } from './delivery-report.ts';
import { createDeliveryTagReader } from './report-fields.ts';
import { fetchHttpsText } from './https-fetch.ts';
import { receiveMailgunEvent } from './mailgun-webhook.service.ts';
import { receivePostmarkEvent } from './postmark-webhook.service.ts';
import { receiveSesMessage, type SesWebhookResult } from './ses-webhook.service.ts';
import { createSnsCertificates } from './sns-certificates.ts';

export interface WebhookReceiverDeps {
  settings: Config['bounces']['webhooks'];
  db: Db;
  clock: Clock;
  log: Logger;
  reports: ReportSink;
  /** Checks the delivery ids providers hand back (mail/verp.ts: the same MAC as VERP addresses). */
  signer: LinkSigner;
}

/** One receiver per configured provider; null where the provider is off (its route is then not mounted). */
export interface WebhookReceivers {
  ses: ((body: unknown) => Promise<SesWebhookResult>) | null;
  postmark: ((authorization: string | undefined, body: unknown) => Promise<ReportTally>) | null;
  mailgun: ((body: unknown) => Promise<ReportTally>) | null;
}

const FETCH_LIMITS = { maxBytes: 64 * 1024, timeoutMs: 5000 };

export function createWebhookReceivers(deps: WebhookReceiverDeps): WebhookReceivers {
  const { settings, db, clock, log, reports } = deps;
  const { ses, postmark, mailgun } = settings;
  const tags = createDeliveryTags(deps.signer);
  const tagReader = (source: string) => createDeliveryTagReader((tag) => tags.readTag(tag), log, source);
  const fetchText = (url: string) => fetchHttpsText(url, { ...FETCH_LIMITS, ca: ses.caCertificates ?? undefined });
  const sesDeps = {
    settings: ses,
    clock,
    log,
    reports,
    certificates: createSnsCertificates(fetchText),
    fetchText,
    readDeliveryTag: tagReader('ses'),
  };
  const postmarkDeps = postmark && { credentials: postmark, reports, readDeliveryTag: tagReader('postmark') };
  const mailgunDeps = mailgun && { signingKey: mailgun.signingKey, db, clock, reports, readDeliveryTag: tagReader('mailgun') };
  return {
    ses: ses.enabled ? (body) => receiveSesMessage(sesDeps, body) : null,
    postmark: postmarkDeps ? (authorization, body) => receivePostmarkEvent(postmarkDeps, authorization, body) : null,
    mailgun: mailgunDeps ? (body) => receiveMailgunEvent(mailgunDeps, body) : null,
  };
}
