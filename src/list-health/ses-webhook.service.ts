import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { applyReports, type ReportTally } from './apply-reports.ts';
import type { ReportSink } from './delivery-report.ts';
import type { DeliveryTagReader } from './report-fields.ts';
import { sesReportsOf } from './ses-event.ts';
import type { SnsCertificates } from './sns-certificates.ts';
import { isAllowedSnsUrl, isSnsSignatureValid, snsMessageSchema, type SnsMessage } from './sns-message.ts';

export interface SesWebhookDeps {
  settings: Config['bounces']['webhooks']['ses'];
  clock: Clock;
  log: Logger;
  reports: ReportSink;
  certificates: SnsCertificates;
  readDeliveryTag: DeliveryTagReader;
  /** GETs a URL (the subscription confirmation), trusting the same CAs as the certificate fetch. */
  fetchText(url: string): Promise<string>;
}

export type SesWebhookResult = { status: 'confirmed' } | { status: 'ignored' } | ({ status: 'received' } & ReportTally);

/** SNS signs the publish time; a message older than this is refused as a replay (SNS's own retries come sooner). */
export const SNS_MAX_AGE_MS = 60 * 60 * 1000;
/** A publish time this far ahead of our clock is not believed either. */
const SNS_MAX_SKEW_MS = 5 * 60 * 1000;

const rejected = (why: string) => new GazetteError('WebhookRejected', `The SNS message was refused: ${why}.`);

/**
 * One POST from SNS: verified (topic, certificate host, freshness, signature) before anything
 * else happens; then a subscription is confirmed or a notification's reports are applied.
 * Everything refused throws WebhookRejected and the sink is not called.
 */
export async function receiveSesMessage(deps: SesWebhookDeps, body: unknown): Promise<SesWebhookResult> {
  const message = await verifySnsMessage(deps, body);
  if (message.Type === 'SubscriptionConfirmation') {
    if (!message.SubscribeURL || !isAllowedSnsUrl(message.SubscribeURL, hostPatternOf(deps))) throw rejected('subscribe URL not allowed');
    await deps.fetchText(message.SubscribeURL);
    deps.log.info({ topicArn: message.TopicArn }, 'SNS subscription confirmed');
    return { status: 'confirmed' };
  }
  if (message.Type === 'UnsubscribeConfirmation') {
    deps.log.warn({ topicArn: message.TopicArn }, 'SNS says this endpoint was unsubscribed from the topic');
    return { status: 'ignored' };
  }
  let event: unknown;
  try {
    event = JSON.parse(message.Message);
  } catch {
    deps.log.warn({ messageId: message.MessageId }, 'SNS notification is not an SES event; ignored');
    return { status: 'ignored' };
  }
  return { status: 'received', ...(await applyReports(deps.reports, sesReportsOf(event, message.MessageId, deps.readDeliveryTag))) };
}

async function verifySnsMessage(deps: SesWebhookDeps, body: unknown): Promise<SnsMessage> {
  const parsed = snsMessageSchema.safeParse(body);
  if (!parsed.success) throw rejected('not a signed SNS message');
  const message = parsed.data;
  const { topicArn } = deps.settings;
  if (topicArn !== null && message.TopicArn !== topicArn) throw rejected('unexpected topic');
  if (!isAllowedSnsUrl(message.SigningCertURL, hostPatternOf(deps))) throw rejected('signing certificate host not allowed');
  const publishedAt = Date.parse(message.Timestamp);
  const age = deps.clock.now().getTime() - publishedAt;
  if (Number.isNaN(publishedAt) || age > SNS_MAX_AGE_MS || age < -SNS_MAX_SKEW_MS) throw rejected('timestamp out of range');
  let certificate: string;
  try {
    certificate = await deps.certificates.get(message.SigningCertURL);
  } catch (error) {
    deps.log.warn({ err: error, url: message.SigningCertURL }, 'SNS signing certificate could not be fetched');
    throw rejected('signing certificate unavailable');
  }
  if (!isSnsSignatureValid(message, certificate)) throw rejected('bad signature');
  return message;
}

function hostPatternOf(deps: SesWebhookDeps): RegExp {
  return new RegExp(deps.settings.certHostPattern);
}
