import { GazetteError } from '../shared/errors.ts';
import { applyReports, type ReportTally } from './apply-reports.ts';
import type { ReportSink } from './delivery-report.ts';
import { isPostmarkAuthorized, postmarkReportsOf } from './postmark-event.ts';
import type { DeliveryTagReader } from './report-fields.ts';

export interface PostmarkWebhookDeps {
  credentials: { readonly user: string; readonly password: string };
  reports: ReportSink;
  readDeliveryTag: DeliveryTagReader;
}

/**
 * One POST from Postmark, which authenticates only by the basic credentials written into the
 * webhook URL: wrong or missing ones are refused before the payload is read.
 */
export async function receivePostmarkEvent(
  deps: PostmarkWebhookDeps,
  authorization: string | undefined,
  body: unknown,
): Promise<ReportTally> {
  if (!isPostmarkAuthorized(authorization, deps.credentials))
    throw new GazetteError('WebhookRejected', 'The Postmark webhook was refused: wrong or missing credentials.');
  return applyReports(deps.reports, postmarkReportsOf(body, deps.readDeliveryTag));
}
