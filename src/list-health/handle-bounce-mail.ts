import type { ParsedMail } from 'mailparser';
import type { Logger } from '../shared/logger.ts';
import type { SelfServiceDeps } from '../subscribers/self-service.service.ts';
import type { DeliveryReport, ReportSink } from './delivery-report.ts';
import { parseMail } from './parse-report-mail.ts';
import { applyUnsubscribeMail } from './parse-unsubscribe-mail.ts';

export interface BounceMailDeps {
  /** Reads one parsed mail into reports, trusting only this site's signed VERP addresses (core.parseReportMail). */
  parse(raw: Buffer, source: string, parsed: ParsedMail): Promise<DeliveryReport[]>;
  reports: ReportSink;
  /** For a mail to the List-Unsubscribe mailto that reached this mailbox. */
  selfService: SelfServiceDeps;
  log: Logger;
}

/**
 * One message of the bounce mailbox: a delivery status notification, a complaint (ARF) or an
 * unsubscribe request sent to the List-Unsubscribe mailto. Each report is applied once (by its
 * id), so a message read again after a restart changes nothing twice. Anything else (an
 * auto-reply, a person writing) is left as it is: it never unsubscribes or bounces anyone.
 * Throws only when the store fails: the message then stays in the mailbox for the next poll.
 */
export async function handleBounceMail(deps: BounceMailDeps, raw: Buffer): Promise<void> {
  // Parsed once, here: the report reader and the unsubscribe reader both look at the same mail.
  const mail = await parseMail(raw);
  const reports = await deps.parse(raw, 'imap', mail);
  for (const report of reports) {
    const outcome = await deps.reports.apply(report);
    deps.log.info({ kind: report.kind, reportId: report.reportId, outcome }, `bounce mailbox: ${report.kind} report ${outcome}`);
  }
  if (reports.length > 0) return;
  const unsubscribe = await applyUnsubscribeMail(deps.selfService, { subject: mail.subject });
  if ('applied' in unsubscribe) deps.log.info({ outcome: unsubscribe.applied }, 'bounce mailbox: unsubscribe request by mail applied');
  else deps.log.debug({ why: unsubscribe.ignored }, 'bounce mailbox: a message that is no report was left as it is');
}
