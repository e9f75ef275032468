import { Readable, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Db } from '../store/database.ts';
import { escapeCsvFormula } from './csv-formula.ts';
import { iterateSubscribers } from './subscriber.repository.ts';
import type { Subscriber } from './subscriber.ts';

export const csvExportColumns = [
  'id',
  'email',
  'name',
  'frequency',
  'status',
  'created_at',
  'confirmed_at',
  'unsubscribed_at',
  'bounced_at',
  'consent_at',
  'consent_source',
  'consent_ip',
  'consent_user_agent',
] as const;

function toCsvRecord(s: Subscriber): string[] {
  const iso = (d: Date | null | undefined): string => d?.toISOString() ?? '';
  return [
    s.id,
    escapeCsvFormula(s.email),
    escapeCsvFormula(s.name ?? ''),
    s.frequency,
    s.status,
    iso(s.createdAt),
    iso(s.confirmedAt),
    iso(s.unsubscribedAt),
    iso(s.bouncedAt),
    iso(s.consent?.at),
    escapeCsvFormula(s.consent?.source ?? ''),
    s.consent?.ip ?? '',
    escapeCsvFormula(s.consent?.userAgent ?? ''),
  ];
}

/**
 * Every subscriber as CSV (header first), as a stream: rows are read from the store in batches
 * as the consumer pulls, so an export of any size holds one batch in memory.
 */
export function exportSubscribersCsv(db: Db): Readable {
  async function* records(): AsyncGenerator<string[]> {
    for await (const subscriber of iterateSubscribers(db)) yield toCsvRecord(subscriber);
  }
  const csv = stringify({ header: true, columns: [...csvExportColumns] });
  // pipeline, not pipe: a failing read destroys the output with the error instead of leaving it hanging.
  pipeline(Readable.from(records()), csv, () => undefined);
  return csv;
}
