import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { GazetteError, isGazetteError } from '../shared/errors.ts';
import { FREQUENCIES, isFrequency, type Frequency } from '../shared/frequency.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Db } from '../store/database.ts';
import { insertSubscribersIfAbsent } from './subscriber.repository.ts';
import type { NewSubscriber } from './subscriber.ts';
import { unescapeCsvFormula } from './csv-formula.ts';
import { findActiveSuppressions } from './suppression.repository.ts';
import { suppressionHashOf } from './suppression.service.ts';
import { normalizeEmail, normalizeName } from './validate-email.ts';

export interface CsvImportOptions {
  now: Date;
  defaultFrequency: Frequency;
  /** Stated by the operator ("signup sheet at the 2025 fair"): rows are then confirmed with it recorded; otherwise pending. */
  consentSource: string | null;
  /** Keys the suppression list: a suppressed address is reported and not imported. */
  signer: LinkSigner;
  onProgress?: (progress: { rows: number; bytes: number }) => void;
  batchSize?: number;
}

export interface CsvImportReport {
  /** Data rows read (the header not counted). */
  rows: number;
  imported: number;
  /** Valid rows whose address was already stored: left as they are, so a second import changes nothing. */
  unchanged: number;
  invalid: { line: number; reason: string }[];
  /** Valid rows whose address is on the suppression list (deleted or complained): not imported. */
  suppressed: number;
  /** Their line numbers, in file order. */
  suppressedLines: number[];
  ignoredColumns: string[];
}

const KNOWN_COLUMNS = ['email', 'name', 'frequency'] as const;

/**
 * Imports `email[,name][,frequency]` rows (header required, any column order, other columns
 * ignored, so an export can be imported again). Streams: memory holds one batch. Existing
 * addresses are never changed: an import must not override a subscriber's own choices, nor bring
 * back someone who unsubscribed.
 */
export async function importSubscribersCsv(db: Db, input: Readable | string, options: CsvImportOptions): Promise<CsvImportReport> {
  const report: CsvImportReport = {
    rows: 0,
    imported: 0,
    unchanged: 0,
    invalid: [],
    suppressed: 0,
    suppressedLines: [],
    ignoredColumns: [],
  };
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    info: true,
  });
  parser.on('skip', (error: CsvError & { lines?: number }) =>
    report.invalid.push({ line: error.lines ?? 0, reason: `not valid CSV: ${error.message}` }),
  );
  (typeof input === 'string' ? Readable.from([input]) : input).pipe(parser);

  let columns: Map<string, number> | undefined;
  const seen = new Map<string, number>();
  let batch: { line: number; subscriber: NewSubscriber }[] = [];
  let storedThroughLine = 1;
  const flush = async (): Promise<void> => {
    try {
      const allowed = await withoutSuppressed(db, options.signer, batch, report);
      const inserted = await insertSubscribersIfAbsent(
        db,
        allowed.map((b) => b.subscriber),
      );
      report.imported += inserted.size;
      report.unchanged += allowed.length - inserted.size;
    } catch (error) {
      throw stoppedPartway(error, report, storedThroughLine);
    }
    storedThroughLine = batch.at(-1)?.line ?? storedThroughLine;
    batch = [];
  };
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!columns) {
      columns = readHeader(record, report);
      continue;
    }
    report.rows++;
    const checked = checkRow(record, columns, info.lines, seen, options);
    if ('reason' in checked) report.invalid.push({ line: info.lines, reason: checked.reason });
    else batch.push({ line: info.lines, subscriber: checked });
    if (batch.length >= (options.batchSize ?? 500)) await flush();
    options.onProgress?.({ rows: report.rows, bytes: parser.info.bytes });
  }
  if (!columns)
    throw new GazetteError('ValidationFailed', 'The CSV file is empty: its first line must be a header such as "email,name,frequency".');
  await flush();
  report.invalid.sort((a, b) => a.line - b.line);
  return report;
}

/** The batch's rows whose address is not suppressed; the others are counted in the report. */
async function withoutSuppressed<T extends { line: number; subscriber: NewSubscriber }>(
  db: Db,
  signer: LinkSigner,
  batch: T[],
  report: CsvImportReport,
): Promise<T[]> {
  const hashes = batch.map((b) => suppressionHashOf(signer, b.subscriber.emailKey));
  const suppressed = await findActiveSuppressions(db, hashes);
  if (suppressed.size === 0) return batch;
  return batch.filter((b, i) => {
    if (!suppressed.has(hashes[i]!)) return true;
    report.suppressed++;
    report.suppressedLines.push(b.line);
    return false;
  });
}

/**
 * A batch is one statement: it is stored whole or not at all. So when the store gives up (a
 * full disk, a database gone), every row up to the last stored batch is in and nothing after
 * it: the error says where it stopped, and since stored addresses are left unchanged, running
 * the same import again finishes the job.
 */
function stoppedPartway(error: unknown, report: CsvImportReport, storedThroughLine: number): unknown {
  if (!isGazetteError(error) || !['StorageFull', 'DatabaseBusy', 'DatabaseUnavailable'].includes(error.code)) return error;
  const stored =
    storedThroughLine > 1
      ? `Every valid row up to line ${storedThroughLine} is stored (${report.imported} imported, ${report.unchanged} already on the list), none after it`
      : 'No row of the file is stored';
  return new GazetteError(
    error.code,
    `${error.message} ${stored}. Running the same import again finishes the job: rows already stored are left as they are.`,
    {
      ...error.details,
      storedThroughLine,
      imported: report.imported,
      unchanged: report.unchanged,
    },
    { cause: error },
  );
}

function readHeader(record: string[], report: CsvImportReport): Map<string, number> {
  const names = record.map((c) => c.trim().toLowerCase());
  if (!names.includes('email')) {
    throw new GazetteError(
      'ValidationFailed',
      `The first line must be a header naming the columns, with at least "email" (and optionally "name", "frequency"); it reads "${record.join(',').slice(0, 80)}".`,
    );
  }
  report.ignoredColumns = names.filter((n) => !(KNOWN_COLUMNS as readonly string[]).includes(n));
  return new Map(
    names
      .map((n, i) => [n, i] as const)
      .filter(([n]) => (KNOWN_COLUMNS as readonly string[]).includes(n))
      .reverse(),
  );
}

function checkRow(
  record: string[],
  columns: Map<string, number>,
  line: number,
  seen: Map<string, number>,
  options: CsvImportOptions,
): NewSubscriber | { reason: string } {
  const cell = (name: string): string | undefined => {
    const i = columns.get(name);
    return i === undefined ? undefined : unescapeCsvFormula(record[i] ?? '');
  };
  const email = normalizeEmail(cell('email') ?? '');
  if (!email.ok) return { reason: `email: ${email.reason}` };
  const first = seen.get(email.value.key);
  if (first !== undefined) return { reason: `email: ${email.value.email} is already on line ${first}` };
  seen.set(email.value.key, line);
  const name = normalizeName(cell('name'));
  if (!name.ok) return { reason: `name: ${name.reason}` };
  const frequency = (cell('frequency') ?? '').toLowerCase() || options.defaultFrequency;
  if (!isFrequency(frequency)) return { reason: `frequency: "${frequency}" is not one of ${FREQUENCIES.join(', ')}` };
  const at = options.now;
  const source = options.consentSource;
  return {
    id: randomUUID(),
    email: email.value.email,
    emailKey: email.value.key,
    name: name.value,
    frequency,
    status: source !== null ? 'confirmed' : 'pending',
    createdAt: at,
    updatedAt: at,
    confirmedAt: source !== null ? at : null,
    unsubscribedAt: null,
    bouncedAt: null,
    consent: source !== null ? { at, ip: null, userAgent: null, source, text: null } : null,
  };
}
