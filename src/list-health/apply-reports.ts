import type { ApplyOutcome, DeliveryReport, ReportSink } from './delivery-report.ts';

export type ReportTally = Record<ApplyOutcome, number>;

/** Hands each report to the sink in order and counts what it did with them (the webhook's answer). */
export async function applyReports(sink: ReportSink, reports: readonly DeliveryReport[]): Promise<ReportTally> {
  const tally: ReportTally = { applied: 0, duplicate: 0, ignored: 0 };
  for (const report of reports) tally[await sink.apply(report)] += 1;
  return tally;
}
